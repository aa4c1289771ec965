/**
 * Data sets: {@link io.gradsign.data.IdxFile} reads the IDX format of MNIST (plain or gzipped),
 * {@link io.gradsign.data.Dataset} holds images scaled to [0, 1] with their labels, and
 * {@link io.gradsign.data.FashionMnist} loads Fashion-MNIST from Debian's {@code dataset-fashion-mnist}
 * or from the small sample shipped in the jar.
 *
 * <p>A file that is not valid IDX throws the checked {@link io.gradsign.data.IdxFormatException}, which
 * names the file and the problem; a bad argument throws {@link IllegalArgumentException}.
 */
package io.gradsign.data;
