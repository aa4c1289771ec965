/** The CUDA backend over libgradsign (GPU) or libgradsign_emu (CUDA emulated on the CPU). */
package io.gradsign.cuda;
