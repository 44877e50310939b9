import Foundation
import GRDB
import NightshiftCore

extension SQLiteStore {
    public func insertNotification(_ notification: ProactiveNotification) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    insert into proactive_notifications (id, user_id, agent_type, notification_type, title, message,
                        action, priority, read, created_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    notification.id.canonical, notification.userID.canonical, notification.agentType,
                    notification.kind.rawValue, notification.title, notification.message, notification.action?.jsonText,
                    notification.priority.rawValue, notification.read,
                    SQLiteValue.text(notification.createdAt ?? Date()),
                ])
        }
    }

    public func notifications(userID: UUID, unreadOnly: Bool, limit: Int) async throws -> [ProactiveNotification] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    select * from proactive_notifications where user_id = ? and (not ? or not read)
                    order by created_at desc, id limit ?
                    """,
                arguments: [userID.canonical, unreadOnly, limit]
            ).map { row in
                ProactiveNotification(
                    id: try SQLiteValue.uuid(row, "id"), userID: try SQLiteValue.uuid(row, "user_id"),
                    agentType: row["agent_type"],
                    kind: try SQLiteValue.enumValue(row, "notification_type", default: ProactiveNotification.Kind.insight),
                    title: row["title"], message: row["message"],
                    action: (row["action"] as String?) == nil ? nil : try SQLiteValue.json(row, "action"),
                    priority: try SQLiteValue.enumValue(row, "priority", default: ProactiveNotification.Priority.normal),
                    read: row["read"] ?? false, createdAt: SQLiteValue.date(row, "created_at"))
            }
        }
    }

    public func markNotificationRead(id: UUID, userID: UUID) async throws -> Bool {
        try await writing { db in
            try db.execute(
                sql: "update proactive_notifications set read = 1 where id = ? and user_id = ?",
                arguments: [id.canonical, userID.canonical])
            return db.changesCount > 0
        }
    }
}
