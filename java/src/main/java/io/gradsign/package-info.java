/**
 * gradsign's API: {@link io.gradsign.Backends} opens a {@link io.gradsign.Backend} (CPU, CUDA or
 * emulated CUDA), which allocates {@link io.gradsign.Tensor}s and runs the operations of FGSM on them.
 */
package io.gradsign;
