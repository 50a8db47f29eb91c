#if canImport(Glibc)
    import Glibc
#endif

/// The allocator settings of Baton's long-running processes.
public enum MemoryTuning {
    /// How much free memory at the top of a malloc arena is kept rather than given back to the kernel.
    public static let trimThresholdBytes: Int32 = 32 << 20

    /// Keeps up to ``trimThresholdBytes`` of freed heap per malloc arena. glibc's default (128 KiB) made every
    /// large free on a thread's arena — SQLite's statement scratch space, message buffers — shrink the heap with
    /// `madvise`, whose TLB shootdown interrupted the other core: ~2.4 % of the orchestrator's CPU at 128
    /// executions in flight (docs/benchmarks.md). Call it first thing in `main`.
    public static func keepFreedHeap() {
        #if canImport(Glibc)
            // mallopt is in <malloc.h>, which the Glibc module does not import; M_TRIM_THRESHOLD is -1 there.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            _ = unsafeBitCast(symbol, to: Mallopt.self)(-1, trimThresholdBytes)
        #endif
    }
}
