/* Native.java - the JNI entry points of libpgpstep_jni (pgpstep_jni.c).
 *
 * Strings cross as UTF-8 byte arrays (not JNI's modified UTF-8); lists
 * of strings as one array with a NUL after each.  */
package org.pgpstep;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

final class Native {
    static {
        /* -Dpgpstep.jni=/path/libpgpstep_jni.so, else java.library.path. */
        String path = System.getProperty("pgpstep.jni");
        if (path != null)
            System.load(path);
        else
            System.loadLibrary("pgpstep_jni");
    }

    private Native() {}

    static native long hostNew(byte[] pluginPath, byte[] secretsDir,
                               byte[] runtimeDir, int verbosity)
        throws PgpstepException;
    static native void hostRelease(long host);
    static native long pipelineLoad(long host, byte[] file)
        throws PgpstepException;
    static native void pipelineRelease(long pipeline);
    static native byte[] pipelineName(long pipeline);
    /* Returns the result headers (name NUL value NUL ...).  */
    static native byte[] run(long pipeline, InputStream in, OutputStream out,
                             byte[] headers, int timeoutMs, byte[] messageId)
        throws PgpstepException;

    static byte[] utf8(String s) {
        if (s == null)
            return null;
        if (s.indexOf('\0') >= 0)
            throw new IllegalArgumentException("NUL in a string");
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /* Split NUL-terminated UTF-8 strings.  */
    static List<String> split(byte[] b) {
        List<String> list = new ArrayList<>();
        int start = 0;
        for (int i = 0; b != null && i < b.length; i++)
            if (b[i] == 0) {
                list.add(new String(b, start, i - start,
                                    StandardCharsets.UTF_8));
                start = i + 1;
            }
        return list;
    }
}
