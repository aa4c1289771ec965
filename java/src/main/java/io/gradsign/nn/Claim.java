package io.gradsign.nn;

/**
 * A hold on a {@link Workspace} or on a {@link Network}'s parameters for the calling thread, given
 * back by {@link #close} (once; later calls do nothing). Use it in try-with-resources on the thread
 * that made it.
 */
public interface Claim extends AutoCloseable {
    @Override
    void close();

    /** A claim whose first close runs {@code release}; later closes do nothing. */
    static Claim once(Runnable release) {
        return new Claim() {
            private boolean open = true;

            @Override
            public void close() {
                if (open) {
                    open = false;
                    release.run();
                }
            }
        };
    }
}
