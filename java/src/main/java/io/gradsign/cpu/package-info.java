/** The CPU backend: plain Java, the twin of every CUDA kernel and the reference in tests. */
package io.gradsign.cpu;
