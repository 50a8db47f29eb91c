import BatonJSON
import Foundation
import StatesLanguage

/// TestState: one state run by the interpreter alone (``StateTest``), without the store or the broker.
extension StepFunctionsOperations {
    /// The TestState action: checks the request as AWS does, runs the state, answers with AWS's shape.
    func testState(_ fields: RequestFields) throws(APIError) -> JSON {
        let test = try Self.stateTest(
            fields, region: engine.configuration.region, account: engine.configuration.account)
        do {
            return try test.run(at: Date()).response
        } catch {
            throw APIError(error.code == .invalidDefinition ? .invalidDefinition : .validation, error.message)
        }
    }

    /// A TestState request's fields, checked, as a ``StateTest``.
    static func stateTest(_ fields: RequestFields, region: String, account: String) throws(APIError) -> StateTest {
        let text = try fields.string("definition", length: RequestFields.Length.definition)
        let roleArn = try fields.optionalArn("roleArn")
        let inputText = try fields.optionalString("input", length: 0...maximumPayloadBytes)
        let level = try fields.optionalEnum("inspectionLevel", StateTest.InspectionLevel.allCases.map(\.rawValue))
        let revealSecrets = try fields.optionalBool("revealSecrets") ?? false
        let variablesText = try fields.optionalString("variables", length: 0...maximumPayloadBytes)
        let stateName = try fields.optionalString("stateName", length: 1...80)
        let contextText = try fields.optionalString("context", length: 0...maximumPayloadBytes)
        let mock = try Self.mock(fields)
        let configuration = try Self.stateConfiguration(fields)

        let json: JSON
        do {
            json = try JSON(parsing: text)
        } catch {
            throw APIError(.invalidDefinition, "Invalid State Machine Definition: '\(error.description)'")
        }
        // A whole state machine (with stateName, or without one: its StartAt), or a single state's JSON.
        let isMachine = stateName != nil || json.objectValue?["States"] != nil
        let definition: StateMachineDefinition
        do {
            definition = try StateMachineDefinition.parse(json: isMachine ? json : StateTest.machine(forState: json))
        } catch {
            throw APIError(
                .invalidDefinition,
                "Invalid State Machine Definition: '" + error.issues.map(\.description).joined(separator: "; ") + "'")
        }
        let input: JSON
        do {
            input = try JSON(parsing: inputText ?? "{}")
        } catch {
            throw APIError(.invalidExecutionInput, "Invalid State Machine Execution Input: '\(error.reason)'")
        }
        var test = StateTest(
            definition: definition,
            stateName: stateName ?? (isMachine ? definition.startAt : StateTest.singleStateName),
            input: input)
        if let variablesText {
            guard case .object(let variables)? = try? JSON(parsing: variablesText) else {
                throw APIError(.validation, "variables must be a JSON object of variable names and values")
            }
            test.variables = variables
        }
        if mock != nil, revealSecrets {
            throw APIError(.validation, "TestState does not support RevealSecrets when a mock is specified.")
        }
        if let contextText {
            guard mock != nil else {
                throw APIError(.validation, "A context object may only be specified together with a mock.")
            }
            guard let context = try? JSON(parsing: contextText) else {
                throw APIError(.validation, "Invalid Context object provided: the context must be valid JSON")
            }
            test.context = context
        }
        if configuration.mapIterationFailureCount != nil, mock == nil {
            throw APIError(
                .validation, "TestState does not support MapIterationFailureCount when a mock is not specified.")
        }
        test.mock = mock
        test.roleArn = roleArn
        test.retrierRetryCount = configuration.retrierRetryCount
        test.inspectionLevel = level.flatMap(StateTest.InspectionLevel.init(rawValue:)) ?? .info
        test.region = region
        test.account = account
        return test
    }

    /// `mock`: exactly one of `result` (JSON text) and `errorOutput` (`error`, `cause`), and `fieldValidationMode`.
    private static func mock(_ fields: RequestFields) throws(APIError) -> StateTest.Mock? {
        guard let value = fields.body["mock"], value != .null else { return nil }
        guard case .object(let body) = value else {
            throw APIError(.serialization, "field 'mock' of TestState must be an object")
        }
        let mock = RequestFields(body: body, action: "TestState")
        let result = try mock.optionalString("result", length: 0...maximumPayloadBytes)
        // Baton has no service API models to check a mocked result against: every mode validates as NONE does.
        _ = try mock.optionalEnum("fieldValidationMode", ["STRICT", "PRESENT", "NONE"])
        let errorOutput = body["errorOutput"].flatMap { $0 == .null ? nil : $0 }
        if result != nil, errorOutput != nil {
            throw APIError(
                .validation, "A test mock should have only one of the following fields: [result, errorOutput].")
        }
        if let result {
            guard let parsed = try? JSON(parsing: result) else {
                throw APIError(.validation, "Mocked result must be valid JSON")
            }
            return .result(parsed)
        }
        guard let errorOutput else {
            throw APIError(.validation, "A test mock should have one of the following fields: [result, errorOutput].")
        }
        guard case .object(let errorBody) = errorOutput else {
            throw APIError(.serialization, "field 'mock.errorOutput' of TestState must be an object")
        }
        let error = RequestFields(body: errorBody, action: "TestState")
        return .error(
            error: try error.string("error", length: RequestFields.Length.error),
            cause: try error.optionalString("cause", length: RequestFields.Length.cause))
    }

    /// `stateConfiguration`: the retries already made and the Map settings Baton has no use for.
    private static func stateConfiguration(_ fields: RequestFields) throws(APIError)
        -> (retrierRetryCount: Int?, mapIterationFailureCount: Int?)
    {
        guard let value = fields.body["stateConfiguration"], value != .null else { return (nil, nil) }
        guard case .object(let body) = value else {
            throw APIError(.serialization, "field 'stateConfiguration' of TestState must be an object")
        }
        func count(_ name: String) throws(APIError) -> Int? {
            guard let value = body[name], value != .null else { return nil }
            guard case .integer(let number) = value else {
                throw APIError(.serialization, "field 'stateConfiguration.\(name)' of TestState must be an integer")
            }
            guard number >= 0 else {
                throw RequestFields.constraint(
                    "stateConfiguration.\(name)", "Member must have value greater than or equal to 0")
            }
            return Int(number)
        }
        let configuration = RequestFields(body: body, action: "TestState")
        _ = try configuration.optionalString("errorCausedByState", length: 1...80)
        if try configuration.optionalString("mapItemReaderData") != nil {
            throw APIError(.validation, "Baton's Map states have no ItemReader: mapItemReaderData is not supported")
        }
        let failures = try count("mapIterationFailureCount")
        if failures != nil, fields.body["mock"] != nil {
            throw APIError(.validation, "Baton's TestState does not support mapIterationFailureCount")
        }
        return (try count("retrierRetryCount"), failures)
    }
}
