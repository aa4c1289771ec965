package io.gradsign.data;

/** The element type of an IDX file: the third byte of its header, and the size of one element. */
public enum IdxType {
    /** 0x08: unsigned bytes, 0 to 255 (MNIST's pixels and labels). */
    UNSIGNED_BYTE(0x08, 1),
    /** 0x09: signed bytes, -128 to 127. */
    SIGNED_BYTE(0x09, 1),
    /** 0x0B: big-endian int16. */
    SHORT(0x0B, 2),
    /** 0x0C: big-endian int32. */
    INT(0x0C, 4),
    /** 0x0D: big-endian IEEE 754 float32. */
    FLOAT(0x0D, 4),
    /** 0x0E: big-endian IEEE 754 float64. */
    DOUBLE(0x0E, 8);

    private final int code;
    private final int bytes;

    IdxType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** The type byte in the header (0x08 for unsigned bytes ... 0x0E for doubles). */
    public int code() {
        return code;
    }

    /** The size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Whether the elements are integers (bytes, shorts or ints). */
    public boolean isInteger() {
        return this != FLOAT && this != DOUBLE;
    }

    /**
     * The type with this header byte.
     *
     * @throws IllegalArgumentException if no IDX type has this code
     */
    public static IdxType ofCode(int code) {
        for (IdxType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new IllegalArgumentException(String.format("no IDX type has code 0x%02X", code));
    }
}
