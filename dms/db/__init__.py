"""Database: tables (one SQLModel metadata), engine factory, unit of work, migrations."""

from dms.db.engine import Database, make_database, make_engine
from dms.db.uow import JobDispatcher, RecordingDispatcher, UnitOfWork

__all__ = ["Database", "JobDispatcher", "RecordingDispatcher", "UnitOfWork", "make_database", "make_engine"]
