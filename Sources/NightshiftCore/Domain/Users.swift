import Foundation

/// A user of the platform (`auth.users` on Supabase, `auth_users` in the embedded store).
public struct User: Sendable, Hashable, Codable {
    public var id: UUID
    public var email: String?
    public var createdAt: Date?

    public init(id: UUID, email: String? = nil, createdAt: Date? = nil) {
        self.id = id
        self.email = email
        self.createdAt = createdAt
    }
}

/// The agents a user can talk to, as the agent-system design's registry names them.
public enum AgentType: String, Sendable, Hashable, Codable, CaseIterable {
    case booking, session, insights, followup, general
}

/// A user's settings for AI agents (`user_agent_preferences`); a row with defaults is created for every new user.
public struct UserPreferences: Sendable, Hashable, Codable {
    public enum NotificationFrequency: String, Sendable, Hashable, Codable, CaseIterable {
        case minimal, reduced, normal
    }

    public enum TransparencyLevel: String, Sendable, Hashable, Codable, CaseIterable {
        case simple, detailed, technical
    }

    public enum Language: String, Sendable, Hashable, Codable, CaseIterable {
        case en, hi, hinglish
    }

    /// A daily window, `HH:MM` to `HH:MM` in the user's local time; it may wrap midnight.
    public struct QuietHours: Sendable, Hashable, Codable {
        public var start: String
        public var end: String

        public init(start: String, end: String) {
            self.start = start
            self.end = end
        }
    }

    public var userID: UUID
    public var enabledAgents: [String]
    public var notificationFrequency: NotificationFrequency
    public var quietHours: QuietHours
    public var dataSharingConsent: Bool
    public var transparencyLevel: TransparencyLevel
    public var classicMode: Bool
    public var onboardingCompleted: Bool
    public var languagePreference: Language
    public var createdAt: Date?
    public var updatedAt: Date?

    /// The defaults of the design's table, which the new-user trigger inserts.
    public static func defaults(for userID: UUID) -> UserPreferences {
        UserPreferences(
            userID: userID,
            enabledAgents: ["booking", "session", "insights", "followup"],
            notificationFrequency: .normal,
            quietHours: QuietHours(start: "22:00", end: "08:00"),
            dataSharingConsent: true,
            transparencyLevel: .detailed,
            classicMode: false,
            onboardingCompleted: false,
            languagePreference: .en
        )
    }

    public init(
        userID: UUID, enabledAgents: [String], notificationFrequency: NotificationFrequency, quietHours: QuietHours,
        dataSharingConsent: Bool, transparencyLevel: TransparencyLevel, classicMode: Bool, onboardingCompleted: Bool,
        languagePreference: Language, createdAt: Date? = nil, updatedAt: Date? = nil
    ) {
        self.userID = userID
        self.enabledAgents = enabledAgents
        self.notificationFrequency = notificationFrequency
        self.quietHours = quietHours
        self.dataSharingConsent = dataSharingConsent
        self.transparencyLevel = transparencyLevel
        self.classicMode = classicMode
        self.onboardingCompleted = onboardingCompleted
        self.languagePreference = languagePreference
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
