from takedown.errors import InvalidInput, NotFound


class UnknownBank(NotFound):
    code = "unknown_bank"


class BadHashList(InvalidInput):
    code = "bad_hash_list"
