package io.gradsign.nn;

/**
 * A hold on a {@link Workspace} or on a {@link Network}'s parameters for the calling thread, given
 * back by {@link #close} (once; later calls do nothing). Use it in try-with-resources on the thread
 * that made it.
 */
public interface Claim extends AutoCloseable {
    @Override
    void close();
}
