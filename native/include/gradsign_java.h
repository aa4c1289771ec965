/* gradsign_java.h: adapters the JavaCPP binding needs beside gradsign.h (offsets into Java arrays). */
#ifndef GRADSIGN_JAVA_H
#define GRADSIGN_JAVA_H

#include "gradsign.h"

/* JNI hands over a Java array from its first element; these add the element offset. */
static inline int gradsign_copy_to_device_from(gradsign_address destination, const float* source,
                                               long long source_offset, long long count) {
    return gradsign_copy_to_device(destination, source + source_offset, count);
}

static inline int gradsign_copy_to_host_into(float* destination, long long destination_offset,
                                             gradsign_address source, long long count) {
    return gradsign_copy_to_host(destination + destination_offset, source, count);
}

/* The same for int32 arrays (class labels, max-pool argmax): an int is 4 bytes like a float, so
   count ints are count of the float copies' elements. */
static inline int gradsign_copy_ints_to_device_from(gradsign_address destination, const int* source,
                                                    long long source_offset, long long count) {
    return gradsign_copy_to_device(destination, (const float*)(source + source_offset), count);
}

static inline int gradsign_copy_ints_to_host_into(int* destination, long long destination_offset,
                                                  gradsign_address source, long long count) {
    return gradsign_copy_to_host((float*)(destination + destination_offset), source, count);
}

#endif /* GRADSIGN_JAVA_H */
