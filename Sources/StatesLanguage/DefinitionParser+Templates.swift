import BatonJSON
import Foundation

extension DefinitionParser {
    /// The one funnel to the data plane's payload template check (keys ending in `.$`, paths, intrinsic functions).
    mutating func templateIssues(_ template: JSON, at pointer: String) {
        issues += PayloadTemplate.validate(template, at: pointer)
    }
}
