import ArgumentParser
import BatonCLI

/// The `baton` executable: everything lives in `BatonCLI.BatonCommand`.
@main
extension BatonCommand {}
