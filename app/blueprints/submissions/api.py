"""Learning submissions through the API: one's own (/me/submissions: list, submit with the file, read, the file)
and the staff's queue (/submissions: list, read, the file, verify, reject, correct)."""

from __future__ import annotations

import io

from flask import request, send_file, url_for
from flask_login import current_user

from app.blueprints.submissions.schemas import (
    CorrectSchema,
    RejectSchema,
    SubmissionCreateSchema,
    SubmissionFileSchema,
    SubmissionListSchema,
    SubmissionPageSchema,
    SubmissionQueueArgsSchema,
    SubmissionSchema,
    VerifySchema,
)
from app.models.submissions import MAX_FILE_BYTES
from app.services.employees import records as employees
from app.services.submissions import files
from app.services.submissions import records as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

my_submissions_api = tenant_api_blueprint(
    "my_submissions", __name__, "me/submissions",
    "Your learning submissions (bukti pengembangan kompetensi): submit one with its certificate, follow the decision.",
    read="self", write="self")
submissions_api = tenant_api_blueprint(
    "submissions", __name__, "submissions",
    "Employees' learning submissions: the queue (an OPD-scoped operator sees their OPDs'), the certificate file, "
    "verify (the JP granted enters the ledger), reject, correct.")

NO_STORE = "no-store, private"
# A submission's request body at most: the file's 5 MB and room for the other fields. Werkzeug refuses a larger one
# (413) before spooling it, so nobody can fill the disk with a 1 GB "certificate".
MAX_REQUEST_BYTES = MAX_FILE_BYTES + 256 * 1024


def limit_request_size() -> None:
    request.max_content_length = MAX_REQUEST_BYTES


my_submissions_api.before_request(limit_request_size)


def send_stored(sub) -> object:
    """The stored certificate, shown inline by the browser, never cached (personal data)."""
    resp = send_file(io.BytesIO(files.read(sub.file_key)), mimetype=sub.file_mime, as_attachment=False,
                     download_name=sub.file_name, max_age=0)
    resp.headers["Cache-Control"] = NO_STORE
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def read_upload(upload) -> bytes:
    try:
        return upload.read(MAX_FILE_BYTES + 1)
    finally:
        upload.close()


# --- one's own --------------------------------------------------------------------------------------------------


@my_submissions_api.get("")
@my_submissions_api.response(200, SubmissionListSchema)
def list_mine():
    """Your submissions, newest first, with their status and the staff's decision."""
    emp, _opd = employees.linked_employee(current_user.nip)
    items = service.own_submissions(emp.id)
    return {"total": len(items), "items": items}


@my_submissions_api.post("")
@my_submissions_api.arguments(SubmissionFileSchema, location="files")
@my_submissions_api.arguments(SubmissionCreateSchema, location="form")
@my_submissions_api.response(201, SubmissionSchema)
def submit(upload, form):
    """Submit a learning activity with its certificate (multipart: the fields and `file`)."""
    emp, _opd = employees.linked_employee(current_user.nip)
    upload = upload["file"]
    name = upload.filename
    sub = service.submit(emp, content=read_upload(upload), file_name=name, **form)
    commit(sub)
    return service.view(sub), 201, {"Location": url_for("my_submissions.get_mine", submission_id=sub.id)}


@my_submissions_api.get("/<int:submission_id>")
@my_submissions_api.response(200, SubmissionSchema)
def get_mine(submission_id: int):
    """One of your submissions (another person's is a 404)."""
    emp, _opd = employees.linked_employee(current_user.nip)
    return service.view(service.own_submission(submission_id, emp.id))


@my_submissions_api.get("/<int:submission_id>/file")
@my_submissions_api.response(200, description="The certificate file (PDF, JPEG or PNG); Cache-Control: no-store.")
def my_file(submission_id: int):
    """Your submission's certificate file."""
    emp, _opd = employees.linked_employee(current_user.nip)
    return send_stored(service.own_submission(submission_id, emp.id))


# --- the staff's queue ------------------------------------------------------------------------------------------


@submissions_api.get("")
@submissions_api.arguments(SubmissionQueueArgsSchema, location="query")
@submissions_api.response(200, SubmissionPageSchema)
def list_queue(args):
    """Submissions in your scope, by status (pending: oldest first) and OPD."""
    return service.list_submissions(status=args["status"], opd_id=args["opd_id"], limit=args["limit"],
                                    offset=args["offset"], cursor=args.get("cursor"))


@submissions_api.get("/<int:submission_id>")
@submissions_api.response(200, SubmissionSchema)
def get_submission(submission_id: int):
    return service.staff_view(submission_id)


@submissions_api.get("/<int:submission_id>/file")
@submissions_api.response(200, description="The certificate file (PDF, JPEG or PNG); Cache-Control: no-store.")
def submission_file(submission_id: int):
    """A submission's certificate file (outside your OPDs: 404)."""
    sub, _emp, _opd = service.staff_submission(submission_id)
    return send_stored(sub)


@submissions_api.post("/<int:submission_id>/verify")
@submissions_api.arguments(VerifySchema)
@submissions_api.response(200, SubmissionSchema)
def verify(data, submission_id: int):
    """Verify: `jp_granted` (at most the JP claimed) enters the employee's JP ledger, with an optional note."""
    sub = service.verify(submission_id, data["jp_granted"], data["note"])
    return commit(service.staff_view(sub.id))


@submissions_api.post("/<int:submission_id>/reject")
@submissions_api.arguments(RejectSchema)
@submissions_api.response(200, SubmissionSchema)
def reject(data, submission_id: int):
    """Reject with a reason (a verified one loses its JP line)."""
    sub = service.reject(submission_id, data["reason"])
    return commit(service.staff_view(sub.id))


@submissions_api.post("/<int:submission_id>/correct")
@submissions_api.arguments(CorrectSchema)
@submissions_api.response(200, SubmissionSchema)
def correct(data, submission_id: int):
    """Correct a verified submission's JP granted, with the reason; its ledger line follows."""
    sub = service.correct(submission_id, data["jp_granted"], data["reason"])
    return commit(service.staff_view(sub.id))
