from takedown.errors import InvalidInput, NotFound


class UnknownContent(NotFound):
    code = "unknown_content"


class UnknownRepostTarget(InvalidInput):
    code = "unknown_repost_target"
