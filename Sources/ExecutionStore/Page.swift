/// One page of a paginated query.
public struct Page<Item: Sendable>: Sendable {
    /// The items of this page, at most the requested limit.
    public var items: [Item]
    /// An opaque cursor to pass as `after` for the next page; `nil` when this is the last page.
    public var nextCursor: String?

    /// Creates a page.
    /// - Parameters:
    ///   - items: the items of this page.
    ///   - nextCursor: the cursor of the next page, or `nil`.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page {
    /// Builds a page from up to `limit + 1` fetched items: the extra item only says that there is more.
    static func make(_ fetched: [Item], limit: Int, cursor: (Item) -> Int64) -> Page {
        guard fetched.count > limit, limit > 0 else { return Page(items: fetched, nextCursor: nil) }
        let items = Array(fetched.prefix(limit))
        return Page(items: items, nextCursor: items.last.map { String(cursor($0)) })
    }

    /// Decodes a cursor made by ``make(_:limit:cursor:)``.
    static func decode(_ cursor: String?) throws -> Int64? {
        guard let cursor else { return nil }
        guard let value = Int64(cursor), value >= 0 else {
            throw ExecutionStoreError(.invalidCursor, message: "pagination cursor is not one this store produced")
        }
        return value
    }
}
