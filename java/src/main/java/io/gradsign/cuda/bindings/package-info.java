/**
 * JavaCPP binding classes: native declarations only. Two classes declare the same C API because a
 * JNI function's name includes its class: one binds libgradsign (CUDA), one libgradsign_emu.
 */
package io.gradsign.cuda.bindings;
