"""Errors of the files domain."""

from __future__ import annotations

from lynk.core.errors import ParameterError, ParameterInvalid, ResourceMissing


class FileNotFound(ResourceMissing):
    def __init__(self, file_id: str, *, param: str = "id") -> None:
        super().__init__("file", file_id, param=param)


class FileMissing(ParameterError):
    default_code = "parameter_missing"

    def __init__(self) -> None:
        super().__init__(
            "Missing required param: file. Send it as a file part of a multipart/form-data body.", param="file"
        )


class FileTooLarge(ParameterInvalid):
    default_code = "file_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The file is too large: at most {limit // (1024 * 1024)} MB is accepted.", param="file")


class FileTypeNotAllowed(ParameterInvalid):
    default_code = "file_type_not_allowed"

    def __init__(self, purpose: str, allowed: str) -> None:
        super().__init__(f"A file with purpose {purpose} must be {allowed}.", param="file")


class FileEmpty(ParameterInvalid):
    def __init__(self) -> None:
        super().__init__("The file is empty.", param="file")


class WrongPurpose(ParameterInvalid):
    def __init__(self, file_id: str, purpose: str, param: str) -> None:
        super().__init__(f"The file {file_id} was uploaded for {purpose}, not as dispute evidence.", param=param)
