/* RoundTrip.java - what an integration processor (a Camel processor, a
 * NiFi processor) does with the binding: one Host and two Pipelines
 * loaded at start, then messages from a thread pool, each streamed
 * InputStream -> OutputStream with per-message headers:
 *
 *   outbound (sign and encrypt) -> inbound (decrypt, signature required)
 *
 * and the round trip checked: same payload, valid signature, the file
 * name of the input header back.  Then the error paths: a message that
 * is not OpenPGP (exit code 41, the failing step named, nothing
 * written), an InputStream that throws (exit code 74, the IOException
 * as the cause, nothing written), and one large message streamed from
 * a generator to a digest (constant memory on the Java side).
 *
 *   java -Dpgpstep.jni=.../libpgpstep_jni.so -cp pgpstep-sample.jar \
 *     org.pgpstep.sample.RoundTrip [--plugin-dir PATH] [--secrets DIR] \
 *     [--threads N] [--messages N] [--big-mb N] \
 *     OUTBOUND.xml INBOUND.xml PAYLOAD
 *
 * Exit status 0 when everything held, 1 otherwise.
 */
package org.pgpstep.sample;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.pgpstep.Host;
import org.pgpstep.PgpstepException;
import org.pgpstep.Pipeline;

public final class RoundTrip {
    private static final AtomicInteger failures = new AtomicInteger();

    private static void fail(String what) {
        System.out.println("FAIL - " + what);
        failures.incrementAndGet();
    }

    private static void ok(String what) {
        System.out.println("ok - " + what);
    }

    /* One message through both pipelines.  */
    private static Pipeline.Result roundTrip(Pipeline outbound,
                                             Pipeline inbound,
                                             byte[] payload, int n)
        throws IOException {
        Map<String, String> headers = new HashMap<>();
        String filename = String.format("invoice-%06d.xml", n);
        headers.put("filename", filename);
        ByteArrayOutputStream cipher = new ByteArrayOutputStream();
        outbound.run(new ByteArrayInputStream(payload), cipher, headers,
                     60000, n + "-out");
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        Pipeline.Result res =
            inbound.run(new ByteArrayInputStream(cipher.toByteArray()), back,
                        null, 60000, n + "-in");
        if (!Arrays.equals(back.toByteArray(), payload))
            throw new IOException("message " + n + ": payload differs");
        if (!"valid".equals(res.header("pgp.signature.status"))
            || !filename.equals(res.header("pgp.literal.filename")))
            throw new IOException("message " + n + ": headers " + res.headers());
        return res;
    }

    /* N bytes of a repeated text, produced on the fly.  */
    private static final class Generator extends InputStream {
        private final byte[] line =
            "<line>0123456789 pgpstep streaming</line>\n"
            .getBytes(StandardCharsets.US_ASCII);
        private long left;
        private int pos;
        final MessageDigest digest;

        Generator(long n) throws Exception {
            left = n;
            digest = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public int read() {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0)
                return -1;
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                b[off + i] = line[pos];
                pos = (pos + 1) % line.length;
            }
            digest.update(b, off, n);
            left -= n;
            return n;
        }
    }

    /* Counts and digests what it gets, keeps nothing.  */
    private static final class DigestSink extends OutputStream {
        final MessageDigest digest;
        long count;

        DigestSink() throws Exception {
            digest = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public void write(int b) {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
            count += len;
        }
    }

    public static void main(String[] args) throws Exception {
        String pluginPath = null, secrets = null;
        int threads = 4, messages = 40, bigMb = 8;
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
            case "--plugin-dir":
                pluginPath = pluginPath == null ? args[++i]
                    : pluginPath + ":" + args[++i];
                break;
            case "--secrets": secrets = args[++i]; break;
            case "--threads": threads = Integer.parseInt(args[++i]); break;
            case "--messages": messages = Integer.parseInt(args[++i]); break;
            case "--big-mb": bigMb = Integer.parseInt(args[++i]); break;
            default: files.add(args[i]);
            }
        }
        if (files.size() != 3) {
            System.err.println("usage: RoundTrip [OPTIONS] OUTBOUND.xml"
                               + " INBOUND.xml PAYLOAD");
            System.exit(2);
        }
        byte[] template = Files.readAllBytes(Paths.get(files.get(2)));

        try (Host host = new Host(pluginPath, secrets, null, 1)) {
            long t0 = System.nanoTime();
            Pipeline outbound = host.load(files.get(0));
            Pipeline inbound = host.load(files.get(1));
            ok(String.format("loaded '%s' and '%s' (%.1f s)", outbound.name(),
                             inbound.name(), (System.nanoTime() - t0) / 1e9));

            /* Messages from a thread pool.  */
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Pipeline.Result>> results = new ArrayList<>();
            t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                final int n = i;
                byte[] payload = (new String(template, StandardCharsets.UTF_8)
                                  + "<!-- message " + n + " -->\n")
                    .getBytes(StandardCharsets.UTF_8);
                results.add(pool.submit(() -> roundTrip(outbound, inbound,
                                                        payload, n)));
            }
            int good = 0;
            Pipeline.Result first = null;
            for (Future<Pipeline.Result> f : results) {
                try {
                    Pipeline.Result r = f.get();
                    if (first == null)
                        first = r;
                    good++;
                } catch (Exception e) {
                    fail("round trip: " + e.getCause());
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            if (good == messages)
                ok(String.format("%d round trips on %d threads: %.2f s,"
                                 + " %.1f messages/s", messages, threads,
                                 secs, messages / secs));
            if (first != null)
                System.out.println("# inbound result headers: "
                                   + first.headers());

            /* Not OpenPGP: refused by the step, nothing written.  */
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                inbound.run(new ByteArrayInputStream(template), out, null);
                fail("a payload that is not OpenPGP was accepted");
            } catch (PgpstepException e) {
                if (e.exitCode() == 41 && "decrypt-and-verify".equals(e.step())
                    && out.size() == 0)
                    ok("not OpenPGP: exit code " + e.exitCode() + ", step '"
                       + e.step() + "', nothing written: " + e.getMessage());
                else
                    fail("not OpenPGP: exit " + e.exitCode() + " step "
                         + e.step() + " " + out.size() + " bytes: " + e);
            }

            /* The caller's stream fails: its exception is the cause.  */
            InputStream broken = new InputStream() {
                private int calls;
                @Override public int read() throws IOException {
                    throw new IOException("upstream connection reset");
                }
                @Override public int read(byte[] b, int off, int len)
                    throws IOException {
                    if (calls++ > 0)
                        throw new IOException("upstream connection reset");
                    int n = Math.min(len, template.length);
                    System.arraycopy(template, 0, b, off, n);
                    return n;
                }
            };
            out.reset();
            try {
                outbound.run(broken, out, null);
                fail("a failing InputStream went unnoticed");
            } catch (PgpstepException e) {
                if (e.exitCode() == 74 && e.getCause() != null
                    && "upstream connection reset"
                       .equals(e.getCause().getMessage())
                    && out.size() == 0)
                    ok("failing InputStream: exit code 74, cause '"
                       + e.getCause().getMessage() + "', nothing written");
                else
                    fail("failing InputStream: " + e + " cause "
                         + e.getCause() + ", " + out.size() + " bytes");
            }

            /* A large message, streamed both ways.  */
            if (bigMb > 0) {
                t0 = System.nanoTime();
                Generator gen = new Generator(bigMb * 1048576L);
                Map<String, String> h = new HashMap<>();
                h.put("filename", "big.xml");
                java.io.File tmp = java.io.File.createTempFile("pgpstep-jvm",
                                                               ".asc");
                try {
                    try (OutputStream fo = new java.io.FileOutputStream(tmp)) {
                        outbound.run(gen, fo, h);
                    }
                    DigestSink sink = new DigestSink();
                    try (InputStream fi = new java.io.FileInputStream(tmp)) {
                        inbound.run(fi, sink, null);
                    }
                    if (Arrays.equals(gen.digest.digest(),
                                      sink.digest.digest()))
                        ok(String.format("%d MiB streamed through both"
                                         + " pipelines (%.1f s)", bigMb,
                                         (System.nanoTime() - t0) / 1e9));
                    else
                        fail("large message differs (" + sink.count
                             + " bytes back)");
                } finally {
                    tmp.delete();
                }
            }
        }
        ok("host closed");
        System.exit(failures.get() == 0 ? 0 : 1);
    }
}
