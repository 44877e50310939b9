import Foundation
import NightshiftCore

extension PostgresStore {
    public func createUser(_ user: User) async throws {
        // The on_auth_user_created_agent_prefs trigger creates the default preferences in this statement.
        try await pool.execute(
            """
            insert into auth.users (id, email, created_at) values (\(user.id), \(user.email), \(user.createdAt ?? Date()))
            on conflict (id) do nothing
            """)
    }

    public func user(id: UUID) async throws -> User? {
        try await pool.query("select id, email, created_at from auth.users where id = \(id)").first.map(Self.user)
    }

    public func users(after: UUID?, limit: Int) async throws -> [User] {
        try await pool.query(
            """
            select id, email, created_at from auth.users
            where \(after)::uuid is null or id > \(after)
            order by id limit \(limit)
            """
        ).map(Self.user)
    }

    static func user(_ row: PGRow) throws -> User {
        User(id: try row.decode(0), email: try row.decode(1, as: String?.self), createdAt: try row.decode(2, as: Date?.self))
    }

    public func preferences(userID: UUID) async throws -> UserPreferences? {
        let rows = try await pool.query(
            """
            select user_id, enabled_agents, notification_frequency, quiet_hours, data_sharing_consent,
                   transparency_level, classic_mode, onboarding_completed, language_preference, created_at, updated_at
            from public.user_agent_preferences where user_id = \(userID)
            """)
        guard let row = rows.first else { return nil }
        let defaults = UserPreferences.defaults(for: userID)
        let quiet = try row.decode(3, as: JSONValue?.self)
        return UserPreferences(
            userID: try row.decode(0),
            enabledAgents: try row.decode(1, as: [String]?.self) ?? defaults.enabledAgents,
            notificationFrequency: try Self.enumValue(row, 2, default: defaults.notificationFrequency),
            quietHours: UserPreferences.QuietHours(
                start: quiet?["start"]?.stringValue ?? defaults.quietHours.start,
                end: quiet?["end"]?.stringValue ?? defaults.quietHours.end),
            dataSharingConsent: try row.decode(4, as: Bool?.self) ?? defaults.dataSharingConsent,
            transparencyLevel: try Self.enumValue(row, 5, default: defaults.transparencyLevel),
            classicMode: try row.decode(6, as: Bool?.self) ?? defaults.classicMode,
            onboardingCompleted: try row.decode(7, as: Bool?.self) ?? defaults.onboardingCompleted,
            languagePreference: try Self.enumValue(row, 8, default: defaults.languagePreference),
            createdAt: try row.decode(9, as: Date?.self),
            updatedAt: try row.decode(10, as: Date?.self))
    }

    static func enumValue<T: RawRepresentable>(_ row: PGRow, _ index: Int, default fallback: T) throws -> T
    where T.RawValue == String {
        guard let text = row.text(index) else { return fallback }
        guard let value = T(rawValue: text) else {
            throw NightshiftError(.corrupt, "unexpected value '\(text)' for \(T.self)")
        }
        return value
    }

    public func savePreferences(_ preferences: UserPreferences) async throws {
        let quiet: JSONValue = ["start": .string(preferences.quietHours.start), "end": .string(preferences.quietHours.end)]
        do {
            try await pool.execute(
                """
                insert into public.user_agent_preferences (user_id, enabled_agents, notification_frequency, quiet_hours,
                    data_sharing_consent, transparency_level, classic_mode, onboarding_completed, language_preference)
                values (\(preferences.userID), \(preferences.enabledAgents), \(preferences.notificationFrequency.rawValue),
                    \(quiet), \(preferences.dataSharingConsent), \(preferences.transparencyLevel.rawValue),
                    \(preferences.classicMode), \(preferences.onboardingCompleted), \(preferences.languagePreference.rawValue))
                on conflict (user_id) do update set
                    enabled_agents = excluded.enabled_agents,
                    notification_frequency = excluded.notification_frequency,
                    quiet_hours = excluded.quiet_hours,
                    data_sharing_consent = excluded.data_sharing_consent,
                    transparency_level = excluded.transparency_level,
                    classic_mode = excluded.classic_mode,
                    onboarding_completed = excluded.onboarding_completed,
                    language_preference = excluded.language_preference
                """)
        } catch let error as PGError where error.sqlState == "23503" {
            throw NightshiftError(.notFound, "no such user", context: ["user_id": preferences.userID.canonical])
        }
    }

    // MARK: Feature flags

    public func flags() async throws -> [FeatureFlag] {
        try await pool.query(
            "select id, name, description, enabled, rollout_percentage, target_users, metadata from public.feature_flags order by name"
        ).map(Self.flag)
    }

    public func flag(named name: String) async throws -> FeatureFlag? {
        try await pool.query(
            """
            select id, name, description, enabled, rollout_percentage, target_users, metadata
            from public.feature_flags where name = \(name)
            """
        ).first.map(Self.flag)
    }

    static func flag(_ row: PGRow) throws -> FeatureFlag {
        FeatureFlag(
            id: try row.decode(0), name: try row.decode(1), description: try row.decode(2, as: String?.self),
            enabled: try row.decode(3), rolloutPercentage: try row.decode(4), targetUsers: try row.decode(5),
            metadata: try row.decode(6, as: JSONValue?.self) ?? [:])
    }

    public func saveFlag(_ flag: FeatureFlag) async throws {
        try await pool.execute(
            """
            insert into public.feature_flags (id, name, description, enabled, rollout_percentage, target_users, metadata)
            values (\(flag.id), \(flag.name), \(flag.description), \(flag.enabled), \(flag.rolloutPercentage),
                    \(flag.targetUsers), \(flag.metadata))
            on conflict (name) do update set
                description = excluded.description, enabled = excluded.enabled,
                rollout_percentage = excluded.rollout_percentage, target_users = excluded.target_users,
                metadata = excluded.metadata
            """)
    }

    public func isFeatureEnabled(_ name: String, userID: UUID?) async throws -> Bool {
        try await pool.withConnection { connection in
            try await connection.scalar("select public.is_feature_enabled(\(name), \(userID))", as: Bool.self) ?? false
        }
    }
}
