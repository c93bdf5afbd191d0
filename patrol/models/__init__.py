"""Typed SQLAlchemy models, one module per aggregate."""

from patrol.models.audit import AuditEvent
from patrol.models.checklist import Checklist, ChecklistAssignment, ChecklistItem, ChecklistVersion
from patrol.models.client_op import ClientOp
from patrol.models.deduction import DeductionRules
from patrol.models.export import Export
from patrol.models.handover_request import HandoverRequest
from patrol.models.inspection import Answer, Inspection, answer_photos
from patrol.models.location import Location
from patrol.models.login import Login
from patrol.models.model_room import (
    Asset,
    CountLine,
    Handover,
    LossCase,
    LossSighting,
    RegisterEvent,
    RegisterLine,
    RegisterVersion,
)
from patrol.models.notice import TaskNotice
from patrol.models.notification import Delivery, Notification, Robot
from patrol.models.photo import Photo
from patrol.models.presence import PresenceFlag
from patrol.models.report_photo import ReportPhoto
from patrol.models.rounds import ExpectedVisit, ScheduleVersion
from patrol.models.schedule import Schedule, schedule_locations
from patrol.models.site import Site
from patrol.models.task import Task, TaskEvent, task_event_photos
from patrol.models.user import User, user_sites

__all__ = [
    "Asset",
    "CountLine",
    "Handover",
    "HandoverRequest",
    "LossCase",
    "LossSighting",
    "RegisterEvent",
    "RegisterLine",
    "RegisterVersion",
    "AuditEvent",
    "ClientOp",
    "DeductionRules",
    "Delivery",
    "Export",
    "Notification",
    "Robot",
    "task_event_photos",
    "Schedule",
    "ScheduleVersion",
    "ExpectedVisit",
    "schedule_locations",
    "Answer",
    "Checklist",
    "ChecklistAssignment",
    "ChecklistItem",
    "ChecklistVersion",
    "Inspection",
    "Location",
    "Login",
    "Photo",
    "PresenceFlag",
    "ReportPhoto",
    "Site",
    "Task",
    "TaskEvent",
    "TaskNotice",
    "User",
    "answer_photos",
    "user_sites",
]
