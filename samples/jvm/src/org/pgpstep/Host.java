/* Host.java - one libpgpstep host: plugins loaded once, pipelines
 * loaded from descriptors.  Thread-safe; usually one per JVM.  */
package org.pgpstep;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

public final class Host implements AutoCloseable {
    private long handle;
    private final Set<Pipeline> pipelines = new HashSet<>();

    /**
     * @param pluginPath colon-separated absolute plugin directories, or
     *                   null for the installed ones
     * @param secretsDir directory of the secret files (secret:NAME), or
     *                   null for $PGPSTEP_SECRETS
     * @param runtimeDir where the runtime GnuPG homes go, or null for
     *                   $PGPSTEP_RUNTIME_DIR and its defaults
     * @param verbosity  0 errors, 1 warnings, 2 one line per message,
     *                   3 debug (to stderr)
     */
    public Host(String pluginPath, String secretsDir, String runtimeDir,
                int verbosity) throws PgpstepException {
        handle = Native.hostNew(Native.utf8(pluginPath),
                                Native.utf8(secretsDir),
                                Native.utf8(runtimeDir), verbosity);
    }

    /** Load a pipeline descriptor (keys, passphrases and steps checked). */
    public synchronized Pipeline load(String file) throws PgpstepException {
        if (handle == 0)
            throw new IllegalStateException("host closed");
        Pipeline p = new Pipeline(this,
                                  Native.pipelineLoad(handle,
                                                      Native.utf8(file)));
        pipelines.add(p);
        return p;
    }

    synchronized void forget(Pipeline p) {
        pipelines.remove(p);
    }

    /** Close the remaining pipelines (waiting for their runs), then the
     *  host.  */
    @Override
    public void close() {
        List<Pipeline> open;
        synchronized (this) {
            open = new ArrayList<>(pipelines);
        }
        for (Pipeline p : open)
            p.close();
        synchronized (this) {
            if (handle != 0)
                Native.hostRelease(handle);
            handle = 0;
        }
    }
}
