import Foundation
import GRDB
import NightshiftCore

extension SQLiteStore {
    public func createUser(_ user: User) async throws {
        try await writing { db in
            // The on_auth_user_created_agent_prefs trigger inserts the default preferences in this transaction.
            try db.execute(
                sql: "insert or ignore into auth_users (id, email, created_at) values (?, ?, ?)",
                arguments: [user.id.canonical, user.email, SQLiteValue.text(user.createdAt ?? Date())])
        }
    }

    public func user(id: UUID) async throws -> User? {
        try await reading { db in
            try Row.fetchOne(db, sql: "select id, email, created_at from auth_users where id = ?", arguments: [id.canonical])
                .map(Self.user)
        }
    }

    public func users(after: UUID?, limit: Int) async throws -> [User] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "select id, email, created_at from auth_users where ? is null or id > ? order by id limit ?",
                arguments: [after?.canonical, after?.canonical, limit]
            ).map(Self.user)
        }
    }

    static func user(_ row: Row) throws -> User {
        User(id: try SQLiteValue.uuid(row, "id"), email: row["email"], createdAt: SQLiteValue.date(row, "created_at"))
    }

    public func preferences(userID: UUID) async throws -> UserPreferences? {
        try await reading { db in
            guard let row = try Row.fetchOne(
                db, sql: "select * from user_agent_preferences where user_id = ?", arguments: [userID.canonical])
            else { return nil }
            let defaults = UserPreferences.defaults(for: userID)
            let quiet = try SQLiteValue.json(row, "quiet_hours", default: .null)
            return UserPreferences(
                userID: userID,
                enabledAgents: try SQLiteValue.stringArray(row, "enabled_agents") ?? defaults.enabledAgents,
                notificationFrequency: try SQLiteValue.enumValue(
                    row, "notification_frequency", default: defaults.notificationFrequency),
                quietHours: UserPreferences.QuietHours(
                    start: quiet["start"]?.stringValue ?? defaults.quietHours.start,
                    end: quiet["end"]?.stringValue ?? defaults.quietHours.end),
                dataSharingConsent: row["data_sharing_consent"] ?? defaults.dataSharingConsent,
                transparencyLevel: try SQLiteValue.enumValue(row, "transparency_level", default: defaults.transparencyLevel),
                classicMode: row["classic_mode"] ?? defaults.classicMode,
                onboardingCompleted: row["onboarding_completed"] ?? defaults.onboardingCompleted,
                languagePreference: try SQLiteValue.enumValue(
                    row, "language_preference", default: defaults.languagePreference),
                createdAt: SQLiteValue.date(row, "created_at"), updatedAt: SQLiteValue.date(row, "updated_at"))
        }
    }

    public func savePreferences(_ preferences: UserPreferences) async throws {
        let quiet: JSONValue = ["start": .string(preferences.quietHours.start), "end": .string(preferences.quietHours.end)]
        try await writing { db in
            guard try Bool.fetchOne(
                db, sql: "select exists(select 1 from auth_users where id = ?)", arguments: [preferences.userID.canonical])
                == true
            else {
                throw NightshiftError(.notFound, "no such user", context: ["user_id": preferences.userID.canonical])
            }
            try db.execute(
                sql: """
                    insert into user_agent_preferences (user_id, enabled_agents, notification_frequency, quiet_hours,
                        data_sharing_consent, transparency_level, classic_mode, onboarding_completed, language_preference)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    on conflict (user_id) do update set
                        enabled_agents = excluded.enabled_agents,
                        notification_frequency = excluded.notification_frequency,
                        quiet_hours = excluded.quiet_hours,
                        data_sharing_consent = excluded.data_sharing_consent,
                        transparency_level = excluded.transparency_level,
                        classic_mode = excluded.classic_mode,
                        onboarding_completed = excluded.onboarding_completed,
                        language_preference = excluded.language_preference
                    """,
                arguments: [
                    preferences.userID.canonical, SQLiteValue.jsonArray(preferences.enabledAgents),
                    preferences.notificationFrequency.rawValue, quiet.jsonText, preferences.dataSharingConsent,
                    preferences.transparencyLevel.rawValue, preferences.classicMode, preferences.onboardingCompleted,
                    preferences.languagePreference.rawValue,
                ])
        }
    }

    // MARK: Feature flags

    static func flag(_ row: Row) throws -> FeatureFlag {
        let targets = try SQLiteValue.stringArray(row, "target_users") ?? []
        return FeatureFlag(
            id: try SQLiteValue.uuid(row, "id"), name: row["name"], description: row["description"],
            enabled: row["enabled"], rolloutPercentage: row["rollout_percentage"],
            targetUsers: try targets.map { text in
                guard let id = UUID(uuidString: text) else {
                    throw NightshiftError(.corrupt, "malformed uuid in feature_flags.target_users")
                }
                return id
            },
            metadata: try SQLiteValue.json(row, "metadata"))
    }

    public func flags() async throws -> [FeatureFlag] {
        try await reading { db in
            try Row.fetchAll(db, sql: "select * from feature_flags order by name").map(Self.flag)
        }
    }

    public func flag(named name: String) async throws -> FeatureFlag? {
        try await reading { db in
            try Row.fetchOne(db, sql: "select * from feature_flags where name = ?", arguments: [name]).map(Self.flag)
        }
    }

    public func saveFlag(_ flag: FeatureFlag) async throws {
        guard (0...100).contains(flag.rolloutPercentage) else {
            throw NightshiftError.invalidInput(
                "rollout_percentage must be between 0 and 100", context: ["flag": flag.name])
        }
        try await writing { db in
            try db.execute(
                sql: """
                    insert into feature_flags (id, name, description, enabled, rollout_percentage, target_users, metadata)
                    values (?, ?, ?, ?, ?, ?, ?)
                    on conflict (name) do update set
                        description = excluded.description, enabled = excluded.enabled,
                        rollout_percentage = excluded.rollout_percentage, target_users = excluded.target_users,
                        metadata = excluded.metadata
                    """,
                arguments: [
                    flag.id.canonical, flag.name, flag.description, flag.enabled, flag.rolloutPercentage,
                    SQLiteValue.jsonArray(flag.targetUsers.map(\.canonical)), flag.metadata.jsonText,
                ])
        }
    }

    public func isFeatureEnabled(_ name: String, userID: UUID?) async throws -> Bool {
        try await flag(named: name)?.isEnabled(for: userID) ?? false
    }
}
