"""The retention purge of photos nobody attached: an upload that no report, trip or contest took within
`photos.unattached_retention_days` days is deleted, row and file. Attached photos belong to the file (档案) and are
kept with it."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from correction.components import components
from correction.db import db, transaction
from correction.models import Upload


def purge_unattached_photos(as_of: datetime) -> int:
    """Delete the unattached uploads older than the retention period, then their files; the number deleted.

    The rows go in one transaction first: a file whose deletion fails afterwards is an orphan on disk, never a
    row pointing at nothing. The conditional DELETE is the claim, so a photo attached meanwhile stays.
    """
    parts = components()
    cutoff = as_of - timedelta(days=parts.rules["photos.unattached_retention_days"])
    unattached = sa.and_(Upload.report_id.is_(None), Upload.leave_id.is_(None), Upload.alert_id.is_(None),
                         Upload.created_at < cutoff)
    with transaction():
        keys = db.session.scalars(sa.delete(Upload).where(unattached).returning(Upload.storage_key)
                                  .execution_options(synchronize_session=False)).all()
    for key in keys:
        parts.files.delete(key)
    return len(keys)
