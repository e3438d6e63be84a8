"""Receiving an upload: a size limit enforced while the body streams in, raw names kept.

Both must be in place before anything reads ``request.POST``, which is why the upload
view is CSRF-exempt on the outside and CSRF-protected on the inside (Django's
documented pattern for per-view upload handlers).
"""

from __future__ import annotations

import html

from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http.multipartparser import MultiPartParser

from .validation import clean_name, max_upload_size

# Multipart headers and the other fields of the form are small.
MULTIPART_OVERHEAD = 64 * 1024


class PieceSizeLimitUploadHandler(FileUploadHandler):
    """Stops keeping an upload's bytes as soon as they pass the limit.

    First in ``request.upload_handlers``: the handlers after it (memory, temporary
    file) never receive the bytes beyond the limit. The rest of the body is drained,
    not kept, so that the browser still gets the page that explains the refusal.
    """

    def __init__(self, request=None, *, max_size: int | None = None):
        super().__init__(request)
        self.max_size = max_upload_size() if max_size is None else max_size
        self.too_large = False
        self._declared_too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A body announced far above the limit: not one byte of its file is kept.
        if content_length and content_length > self.max_size + MULTIPART_OVERHEAD:
            self._declared_too_large = True
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self._declared_too_large:
            self.too_large = True
            raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_size:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


class PieceUploadParser(MultiPartParser):
    """Django's parser, remembering names it had to cut down.

    Django keeps only the last path component of an upload's name and drops control
    characters, silently. A name like ``../../x.pdf`` is never innocent: we refuse it
    and say why, instead of storing the file under a name nobody chose.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_errors: list[ValidationError] = []

    def sanitize_file_name(self, file_name):
        try:
            clean_name(html.unescape(file_name))
        except ValidationError as error:
            self.name_errors.append(error)
        return super().sanitize_file_name(file_name)


def upload_prepare(request) -> PieceSizeLimitUploadHandler:
    """Install the size limit and the name-keeping parser on this request."""
    limit = PieceSizeLimitUploadHandler(request)
    request.upload_handlers.insert(0, limit)
    request.piece_name_errors = []

    def parse_file_upload(META, post_data):
        parser = PieceUploadParser(META, post_data, request.upload_handlers, request.encoding)
        try:
            return parser.parse()
        finally:
            request.piece_name_errors = parser.name_errors

    # Shadows HttpRequest.parse_file_upload for this request only.
    request.parse_file_upload = parse_file_upload
    return limit
