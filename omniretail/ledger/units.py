"""Minor units: the ledger counts CNY in fen, so no float and no rounding ever happen."""

from decimal import Decimal

from omniretail.core.money import CENT

FEN_PER_YUAN = 100


def yuan_to_fen(amount: Decimal | int | str) -> int:
    """Exact conversion; an amount with a fraction of a fen is refused, never rounded."""
    if isinstance(amount, float | bool):
        raise TypeError("an amount of money must be a Decimal, int or str, never a float")
    fen = Decimal(str(amount)) * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount!r} is not a whole number of fen")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(int(fen)) / FEN_PER_YUAN).quantize(CENT)
