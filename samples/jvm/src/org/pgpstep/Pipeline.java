/* Pipeline.java - a loaded pipeline.  run() may be called from many
 * threads at once; close() waits until the runs in flight are done, so
 * a reload is: load the new one, swap the reference, close the old
 * one (in the background if you like).  */
package org.pgpstep;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

public final class Pipeline implements AutoCloseable {
    private final Host host;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private long handle;
    private final String name;

    Pipeline(Host host, long handle) {
        this.host = host;
        this.handle = handle;
        this.name = Native.string(Native.pipelineName(handle));
    }

    /** The descriptor's name attribute (or its file name).  */
    public String name() { return name; }

    /** The result of a run: its result headers.  */
    public static final class Result {
        private final Map<String, String> headers;

        Result(Map<String, String> headers) {
            this.headers = Collections.unmodifiableMap(headers);
        }

        public Map<String, String> headers() { return headers; }
        public String header(String name) { return headers.get(name); }
    }

    public Result run(InputStream in, OutputStream out,
                      Map<String, String> headers) throws PgpstepException {
        return run(in, out, headers, 0, null);
    }

    /**
     * Run one message: IN is read to its end (by a thread of the host),
     * the output goes to OUT only once every step succeeded; on failure
     * nothing is written to OUT and a PgpstepException says why.
     * Neither stream is closed.
     *
     * @param headers   input headers (e.g. filename), or null
     * @param timeoutMs per-message deadline, 0 for none
     * @param messageId for the logs, or null
     */
    public Result run(InputStream in, OutputStream out,
                      Map<String, String> headers, int timeoutMs,
                      String messageId) throws PgpstepException {
        if (in == null || out == null)
            throw new NullPointerException();
        byte[] h = null;
        if (headers != null) {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            for (Map.Entry<String, String> e : headers.entrySet()) {
                byte[] k = Native.utf8(e.getKey());
                byte[] v = Native.utf8(e.getValue());
                bo.write(k, 0, k.length);
                bo.write(0);
                bo.write(v, 0, v.length);
                bo.write(0);
            }
            h = bo.toByteArray();
        }
        byte[] res;
        lock.readLock().lock();
        try {
            if (handle == 0)
                throw new IllegalStateException("pipeline closed");
            res = Native.run(handle, in, out, h, timeoutMs,
                             Native.utf8(messageId));
        } finally {
            lock.readLock().unlock();
        }
        List<String> kv = Native.split(res);
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.size(); i += 2)
            map.put(kv.get(i), kv.get(i + 1));
        return new Result(map);
    }

    /** Release the pipeline once its runs in flight are done.  */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (handle != 0)
                Native.pipelineRelease(handle);
            handle = 0;
        } finally {
            lock.writeLock().unlock();
        }
        host.forget(this);
    }
}
