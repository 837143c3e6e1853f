import Foundation

/// 纠错: an agent, dispatcher or callback seat flags an entry; the entry's owner unit gets a task
/// due in `defaultWorkingDays` working days (the official calendar, as every clock) and answers it
/// with a new version (`revised`, which needs a version made after the flag) or a reasoned
/// rejection (`rejected`, which needs a note).
public enum KnowledgeFeedback {
    public enum Kind: String, Sendable, CaseIterable, Codable { case wrong, outdated, unclear, missingInfo = "missing_info" }
    public enum Resolution: String, Sendable, CaseIterable, Codable { case revised, rejected }
    public enum State: String, Sendable, CaseIterable, Codable { case open, resolved }

    public static let defaultWorkingDays = 3

    public struct Raw: Sendable, Codable {
        public var kind: String?
        public var note: String?
        public var resolution: String?
        public init() {}
    }

    public static func validateFlag(_ r: Raw) throws(ValidationFailure) -> (Kind, String) {
        var c = FieldChecker()
        let kind: Kind? = c.enumValue("kind", r.kind, required: true)
        let note = c.optionalText("note", r.note, maxLength: 2000, multiline: true) ?? ""
        try c.throwIfAny()
        return (kind!, note)
    }

    public static func validateResolution(_ r: Raw) throws(ValidationFailure) -> (Resolution, String) {
        var c = FieldChecker()
        let resolution: Resolution? = c.enumValue("resolution", r.resolution, required: true)
        let note = c.optionalText("note", r.note, maxLength: 2000, multiline: true) ?? ""
        if resolution == .rejected && note.isEmpty { c.add("note", "is required when the feedback is rejected: say why") }
        try c.throwIfAny()
        return (resolution!, note)
    }

    /// The task's deadline: the end of the Nth working day after the day it was flagged.
    public static func due(flaggedAt: Date, _ calc: DeadlineCalculator, workingDays: Int = defaultWorkingDays) -> Date {
        calc.deadline(from: flaggedAt, ClockLength(workingDays, .workingDays))
    }

    /// Why a resolution cannot be accepted now, or nil. `revised` needs a version newer than the
    /// one the feedback was about.
    public static func refusal(_ resolution: Resolution, state: State, flaggedVersion: Int, currentVersion: Int) -> String? {
        if state == .resolved { return "the feedback is already resolved" }
        if resolution == .revised && currentVersion <= flaggedVersion {
            return "no version after \(flaggedVersion) exists yet: save the revised entry (PUT) first, then resolve as revised"
        }
        return nil
    }
}
