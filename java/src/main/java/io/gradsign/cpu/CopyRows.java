package io.gradsign.cpu;

/** The CPU twin of the CUDA row copy ({@code copy_rows}, native/src/copy_rows.cu): one array copy per entry. */
public final class CopyRows {
    private CopyRows() {}

    /** Row destinationRows[j] = row sourceRows[j] for j &lt; count, rows of rowLength floats; indices already checked. */
    public static void copyRows(float[] destination, int destinationOffset, int[] destinationRows, float[] source,
                                int sourceOffset, int[] sourceRows, int count, int rowLength) {
        // no written row is read by another entry (checked), so the entries are independent
        CpuWorkers.forRanges(count, 1, (long) count * rowLength, CpuWorkers.ELEMENTS_PER_PART, (from, to) -> {
            for (int j = from; j < to; j++) {
                System.arraycopy(source, sourceOffset + sourceRows[j] * rowLength, destination,
                        destinationOffset + destinationRows[j] * rowLength, rowLength);
            }
        });
    }
}
