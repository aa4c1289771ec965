package io.gradsign.cuda;

/**
 * What the runtime reports of one device.
 *
 * @param index the device number
 * @param name the device name ("NVIDIA H100 80GB HBM3", or the emulation's name)
 * @param totalMemory bytes of device memory
 * @param multiprocessors streaming multiprocessors
 * @param major compute capability, major
 * @param minor compute capability, minor
 * @param maxThreadsPerBlock at most this many threads in one block
 * @param sharedMemoryPerBlock bytes of shared memory a block may use without opting in
 * @param warpSize threads in a warp
 * @param l2CacheBytes bytes of L2 cache
 */
public record DeviceProperties(int index, String name, long totalMemory, int multiprocessors, int major, int minor,
                               int maxThreadsPerBlock, long sharedMemoryPerBlock, int warpSize, long l2CacheBytes) {

    /** The compute capability as "9.0". */
    public String computeCapability() {
        return major + "." + minor;
    }
}
