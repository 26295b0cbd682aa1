from takedown.errors import Conflict, InvalidInput, NotFound, TakedownError


class UnknownExchange(NotFound):
    code = "unknown_exchange"


class ExchangeExists(Conflict):
    code = "exchange_exists"


class BadExchangeConfig(InvalidInput):
    code = "bad_exchange_config"


class ExchangeUnavailable(TakedownError):
    """The exchange cannot be reached or refuses us (credentials, network, its errors)."""

    code = "exchange_unavailable"
    status = 502


class NotSupported(InvalidInput):
    code = "not_supported"
