import BatonJSON
import BatonProtocol

extension SeededRandom {
    /// A generator for one task: the process seed mixed with what identifies the delivery (its message id, or
    /// its state, attempt and body), so each task's decisions are the same whatever order tasks arrive in.
    public init(seed: UInt64, task: IncomingTask) {
        var hash = FNV1a()  // over the identity, each part closed by 0xff so parts cannot run together
        func mix(_ bytes: some Sequence<UInt8>) {
            hash.combine(bytes)
            hash.combine(byte: 0xff)
        }
        if let id = task.delivery.message.messageID {
            mix(id.utf8)
        } else {
            mix((task.executionArn ?? "").utf8)
            mix((task.stateName ?? "").utf8)
            mix(task.body)
        }
        mix(String(task.attempt ?? 0).utf8)
        // A redelivery draws afresh: a crash decided for the first delivery is not replayed forever.
        mix((task.delivery.redelivered ? "r" : "f").utf8)
        mix(task.header("x-delivery-count")?.utf8 ?? "".utf8)
        self.init(seed: seed ^ hash.value)
    }
}
