package io.gradsign.data;

import java.io.IOException;

/** A file that is not valid IDX (or not what the caller expects): the message names the file and the problem. */
public class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String problem;

    /**
     * @param source the file (or resource) that was read
     * @param problem what is wrong with it
     */
    public IdxFormatException(String source, String problem) {
        this(source, problem, null);
    }

    /**
     * @param source the file (or resource) that was read
     * @param problem what is wrong with it
     * @param cause the lower-level failure (a corrupt gzip stream), or null
     */
    public IdxFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
        this.source = source;
        this.problem = problem;
    }

    /** The file (or resource) that was read. */
    public String source() {
        return source;
    }

    /** What is wrong with it, without the file name. */
    public String problem() {
        return problem;
    }
}
