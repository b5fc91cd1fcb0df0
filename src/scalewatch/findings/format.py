"""Numbers as text: an estimate with as many digits as its interval resolves.

:func:`format_interval` writes ``value [low, high]``; :func:`interval_parts`
gives the three formatted parts (the report's tables put them in columns);
:func:`significant` is the plain ``%g`` form with a fixed number of significant digits
that result reports use for numbers without an interval.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_interval", "interval_parts", "significant"]


def significant(x: Any, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits (``%g``); non-finite values and ``None`` as ``str(x)``.

    Examples
    --------
    >>> significant(0.123456, 3), significant(float("nan")), significant(None)
    ('0.123', 'nan', 'None')
    """
    if x is None or not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}"


def _sig(ref: float, width: float | None) -> int:
    """Significant digits that resolve an interval of ``width`` around values as large as ``ref``."""
    if not width or not math.isfinite(width) or width <= 0 or ref == 0:
        return 4
    return max(2, min(7, math.floor(math.log10(abs(ref))) - math.floor(math.log10(width)) + 2))


def _fmt(v: float, sig: int) -> str:
    a = abs(v)
    if v == 0:
        return "0"
    if 1e-3 <= a < 1e5:
        decimals = max(0, sig - 1 - math.floor(math.log10(a)))
        return f"{v:.{decimals}f}"
    mant, exp = f"{v:.{max(sig, 2) - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
    return f"{mant}e{int(exp)}"


def _fixed(v: float, decimals: int) -> str:
    text = f"{v:.{decimals}f}"
    if float(text) == 0.0:
        return "0" if v == 0 else _fmt(v, 2)  # an estimate that rounds to zero keeps two significant digits
    return text


def _plain(v: float) -> str:
    """A number without an interval: four significant digits, trailing zeros dropped."""
    a = abs(v)
    if 1e-3 <= a < 1e5 or v == 0:
        if v == int(v):
            return str(int(v))
        text = f"{v:.{max(0, 3 - math.floor(math.log10(a)))}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return _fmt(v, 4)




def interval_parts(value: float | None, low: float | None, high: float | None) -> tuple[str, str | None, str | None]:
    """Formatted estimate, low and high, with as many digits as the interval resolves (the same for all three).

    Two significant digits of the interval's half-width set the last digit shown.
    """
    vals = [v for v in (value, low, high) if v is not None]
    if not vals:
        return "n/a", None, None
    have = low is not None and high is not None
    half = 0.5 * (high - low) if have else 0.0  # type: ignore[operator]
    ref = max(abs(v) for v in vals)
    if half <= 0:
        fmt = _plain
    elif 1e-3 <= ref < 1e5:
        d = min(8, max(0, 1 - math.floor(math.log10(half))))
        fmt = lambda v: _fixed(v, d)  # noqa: E731
    else:
        sig = _sig(ref, 2 * half)
        fmt = lambda v: _fmt(v, sig)  # noqa: E731
    head = "n/a" if value is None else fmt(value)
    if not have:
        return head, None, None
    return head, fmt(low), fmt(high)  # type: ignore[arg-type]




def format_interval(value: float | None, low: float | None = None, high: float | None = None) -> str:
    """``value [low, high]`` with as many digits as the interval resolves.

    Examples
    --------
    >>> format_interval(0.34731, 0.31619, 0.37228)
    '0.347 [0.316, 0.372]'
    >>> format_interval(2.1e22, 1.4e22, 3.3e22)
    '2.1e22 [1.4e22, 3.3e22]'
    >>> format_interval(2029.34, 2027.12, 2031.87)
    '2029.3 [2027.1, 2031.9]'
    >>> format_interval(None)
    'n/a'
    """
    head, lo, hi = interval_parts(value, low, high)
    return head if lo is None else f"{head} [{lo}, {hi}]"

