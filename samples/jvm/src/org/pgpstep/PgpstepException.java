/* PgpstepException.java - a failed load or run: the CLI's exit code
 * (3 no acceptable signature, 29 cannot decrypt, 41 bad data, 74 I/O,
 * 75 deadline, 78 configuration, ...), the failing step's id, the key
 * or parameter at fault, and the full message.  An exception thrown by
 * the caller's InputStream or OutputStream is the cause.  */
package org.pgpstep;

import java.io.IOException;

public class PgpstepException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;
    private final String step;
    private final String key;

    /* Called from pgpstep_jni.c.  */
    PgpstepException(int exitCode, byte[] step, byte[] key, byte[] message,
                     Throwable cause) {
        super(Native.string(message), cause);
        this.exitCode = exitCode;
        this.step = Native.string(step);
        this.key = Native.string(key);
    }

    /** The pgpstep CLI's exit code for the error (never 0).  */
    public int exitCode() { return exitCode; }
    /** The id of the failing step, or null when the host failed.  */
    public String step() { return step; }
    /** The parameter or key at fault, or null.  */
    public String key() { return key; }
}
