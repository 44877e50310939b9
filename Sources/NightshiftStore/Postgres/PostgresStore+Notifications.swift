import Foundation
import NightshiftCore

extension PostgresStore {
    public func insertNotification(_ notification: ProactiveNotification) async throws {
        try await pool.execute(
            """
            insert into public.proactive_notifications (id, user_id, agent_type, notification_type, title, message,
                action, priority, read, created_at)
            values (\(notification.id), \(notification.userID), \(notification.agentType), \(notification.kind.rawValue),
                    \(notification.title), \(notification.message), \(notification.action),
                    \(notification.priority.rawValue), \(notification.read), \(notification.createdAt ?? Date()))
            """)
    }

    public func notifications(userID: UUID, unreadOnly: Bool, limit: Int) async throws -> [ProactiveNotification] {
        try await pool.query(
            """
            select id, user_id, agent_type, notification_type, title, message, action, priority, read, created_at
            from public.proactive_notifications
            where user_id = \(userID) and (not \(unreadOnly) or not read)
            order by created_at desc, id limit \(limit)
            """
        ).map { row in
            ProactiveNotification(
                id: try row.decode(0), userID: try row.decode(1), agentType: try row.decode(2),
                kind: try Self.enumValue(row, 3, default: ProactiveNotification.Kind.insight), title: try row.decode(4),
                message: try row.decode(5), action: try row.decode(6, as: JSONValue?.self),
                priority: try Self.enumValue(row, 7, default: ProactiveNotification.Priority.normal),
                read: try row.decode(8, as: Bool?.self) ?? false, createdAt: try row.decode(9, as: Date?.self))
        }
    }

    public func markNotificationRead(id: UUID, userID: UUID) async throws -> Bool {
        try await pool.execute(
            "update public.proactive_notifications set read = true where id = \(id) and user_id = \(userID)") > 0
    }
}
