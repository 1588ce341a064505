// bench/peak.h — the CPU's FP32 peak, measured at run time (never taken from a data sheet: the
// development machines change between AVX2-only and AVX-512 parts, and their clocks vary).
#pragma once
#include <string>

namespace mcseg {

// GFLOP/s of every OpenMP thread running 24 independent chains of fused multiply-adds on the
// build's widest vectors (enough to hide the FMA latency): the most any FP32 code can get from
// these cores at the clock they actually run at. Best of 8 runs of ~0.1 s, so a neighbour's
// burst of work does not lower it.
double measured_peak_gflops();

// The machine every figure is named with: the CPU's model name (/proc/cpuinfo), the vector
// instructions of this build and the OpenMP threads, e.g. "AMD EPYC, AVX-512, 2 threads".
std::string machine_name();

}  // namespace mcseg
