"""Writes to an event, each in one transaction, raising ``ValidationError`` with a message
for the organizer when the change is refused (once a schedule is published, ``events.rules``
says what may still change). By subject:

- ``attendance``: attendees, check-in and no-shows, finishing an event;
- ``details``: the event's name, venue, region, date and times;
- ``tables``: tables and their anchors, one at a time or in bulk;
- ``copying``: a new event from an event's set-up;
- ``groups``: forming the travelling groups from the departments, and editing them by hand;
- ``common``: the audit actions and what the others share.

Callers use the names re-exported here: ``from events import services``.
"""

from events.services.attendance import (
    add_attendees,
    finish_event,
    finish_past_events,
    import_roster_as_attendees,
    remove_attendance,
    set_attendance_status,
)
from events.services.common import (
    ADDED_AFTER_PUBLISHING,
    ANCHOR_REMOVED,
    CHANGE_REFUSED,
    EVENT_ARCHIVED,
    EVENT_CHANGED,
    EVENT_COPIED,
    EVENT_DELETED,
    EVENT_FINISHED,
    EVENT_RESTORED,
    GROUP_DELETED,
    TABLE_CHANGED,
    TABLE_DELETED,
    audit_published,
    audit_refusal,
    delete_scheduled,
)
from events.services.copying import copy_event
from events.services.details import (
    EVENT_SCHEDULE_FIELDS,
    EVENT_TEXT_FIELDS,
    archive_event,
    create_event,
    delete_event,
    restore_event,
    update_event,
)
from events.services.groups import (
    GroupReplacement,
    PlannedGroup,
    check_groups_may_be_formed,
    create_group,
    delete_group,
    form_groups,
    groups_replaced,
    move_member,
    plan_groups,
    update_group,
)
from events.services.tables import (
    TABLE_FIELDS,
    add_anchor,
    add_tables_for_specialties,
    delete_anchor,
    delete_table,
    seat_attending_specialists,
    set_anchor_rounds,
    set_anchors_presence,
    set_anchors_ranges,
    suggest_table_number,
    update_table,
)

__all__ = [
    "ADDED_AFTER_PUBLISHING",
    "ANCHOR_REMOVED",
    "CHANGE_REFUSED",
    "EVENT_ARCHIVED",
    "EVENT_CHANGED",
    "EVENT_COPIED",
    "EVENT_DELETED",
    "EVENT_FINISHED",
    "EVENT_RESTORED",
    "EVENT_SCHEDULE_FIELDS",
    "EVENT_TEXT_FIELDS",
    "GROUP_DELETED",
    "GroupReplacement",
    "PlannedGroup",
    "TABLE_CHANGED",
    "TABLE_DELETED",
    "TABLE_FIELDS",
    "add_anchor",
    "add_attendees",
    "add_tables_for_specialties",
    "archive_event",
    "copy_event",
    "create_event",
    "delete_event",
    "audit_published",
    "audit_refusal",
    "check_groups_may_be_formed",
    "create_group",
    "delete_anchor",
    "delete_group",
    "delete_scheduled",
    "delete_table",
    "finish_event",
    "finish_past_events",
    "import_roster_as_attendees",
    "form_groups",
    "groups_replaced",
    "move_member",
    "plan_groups",
    "remove_attendance",
    "restore_event",
    "seat_attending_specialists",
    "set_anchor_rounds",
    "set_anchors_presence",
    "set_anchors_ranges",
    "set_attendance_status",
    "suggest_table_number",
    "update_event",
    "update_group",
    "update_table",
]
