package io.gradsign.attack;

/** The checks of the attacks' settings, each refusing a bad value with a message that names it. */
final class Settings {
    private Settings() {}

    /** {@code value}, if it is at least {@code minimum}. */
    static int atLeast(int value, int minimum, String name) {
        if (value < minimum) {
            throw new IllegalArgumentException(name + " must be >= " + minimum + ", got " + value);
        }
        return value;
    }

    /** {@code value}, if it is finite and &gt; 0. */
    static float positive(float value, String name) {
        if (!(value > 0) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
        }
        return value;
    }

    /** {@code value}, if it is finite and &gt;= 0. */
    static float nonNegative(float value, String name) {
        if (!(value >= 0) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
        return value;
    }

    /** Checks the box [lo, hi] x' is clipped to: both finite, lo &lt;= hi (lo &lt; hi where {@code strict}). */
    static void bounds(float lo, float hi, boolean strict) {
        if (!Float.isFinite(lo) || !Float.isFinite(hi) || lo > hi || (strict && lo == hi)) {
            throw new IllegalArgumentException("bounds must be finite with lo " + (strict ? "<" : "<=") + " hi, got lo="
                    + lo + ", hi=" + hi);
        }
    }
}
