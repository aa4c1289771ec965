package io.gradsign.nn;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Admits one thread at a time into the calls of an object that is not thread-safe (a
 * {@link Workspace}, and what holds one): a thread that enters while another is inside gets an
 * {@link IllegalStateException} naming both, never a share of the other's buffers. The thread inside
 * may enter again (a call that makes other calls). Handing the object from one thread to another
 * between calls is allowed; only overlapping calls are refused.
 */
final class OneThread {
    private final String what;
    private final AtomicReference<Thread> holder = new AtomicReference<>();
    /** How deep the holder is inside; read and written by the holder alone. */
    private int depth;

    OneThread(String what) {
        this.what = what;
    }

    /** Admits the calling thread, or throws while another is inside; returns true when it was not inside yet. */
    boolean enter() {
        Thread me = Thread.currentThread();
        while (true) {
            Thread inside = holder.get();
            if (inside == me) {
                depth++;
                return false;
            }
            if (inside != null) {
                throw busy(me, inside);
            }
            if (holder.compareAndSet(null, me)) {
                depth = 1;
                return true;
            }
            // another thread came in between: look again at who holds it
        }
    }

    /** Leaves; returns true when the calling thread is out altogether. */
    boolean exit() {
        if (holder.get() != Thread.currentThread()) {
            throw new IllegalStateException(what + ": thread \"" + Thread.currentThread().getName()
                    + "\" leaves a call it is not inside");
        }
        if (--depth == 0) {
            holder.set(null);
            return true;
        }
        return false;
    }

    /** Whether the calling thread is inside. */
    boolean heldByMe() {
        return holder.get() == Thread.currentThread();
    }

    private IllegalStateException busy(Thread me, Thread inside) {
        return new IllegalStateException(what + " is in use by thread \"" + inside.getName() + "\" (this is thread \""
                + me.getName() + "\"): a workspace, and the attack or trainer that holds one, serves one thread at a"
                + " time; give each thread its own (Network.workspace, new Fgsm); a network's parameters may be shared");
    }
}
