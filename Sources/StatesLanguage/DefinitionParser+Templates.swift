import Foundation

extension DefinitionParser {
    /// The one funnel to the data plane's payload template check (keys ending in `.$`, intrinsic functions).
    ///
    /// TODO: call `PayloadTemplate.validate(_:at:)` once the data plane lands it; until then templates are
    /// only checked for their JSON shape.
    mutating func templateIssues(_ template: JSON, at pointer: String) {
        _ = template
        _ = pointer
    }
}
