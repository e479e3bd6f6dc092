"""Records as a pandas DataFrame, one row a record in the order given, with the keys blocking
rules use derived from the fields (initials, phonetic codes, birth year, a full-name sort key)
and the forms some levels compare (nickname groups, the birthday as a date)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from recordlinkage.preprocessing import phonetic

from app.services.identity.linkage.nicknames import nickname_groups
from app.services.identity.linkage.records import FIELDS, LinkageRecord

#: Phonetic code of names for blocking (recordlinkage.preprocessing.phonetic).
PHONETIC_METHOD = "nysiis"
NICKNAMES = "first_name_nicknames"
BIRTH_DATE = "birth_date"


def frame_of(records: Sequence[LinkageRecord]) -> pd.DataFrame:
    """One row a record; a missing value is None (NaT for the birth date)."""
    frame = pd.DataFrame(
        {f: [r.fields.get(f) for r in records] for f in FIELDS},
        index=pd.RangeIndex(len(records)),
        dtype=object,
    )
    first, last, born = frame["first_name"], frame["last_name"], frame["birthday"]
    frame["first_name_initial"] = first.str[0]
    frame["last_name_initial"] = last.str[0]
    frame["first_name_phonetic"] = _phonetic(first)
    frame["last_name_phonetic"] = _phonetic(last)
    frame["birth_year"] = born.str[:4]
    frame["birth_month_day"] = born.str[4:]
    frame["full_name"] = (last.fillna("") + " " + first.fillna("")).str.strip().replace("", None)
    frame[NICKNAMES] = pd.Series(
        [nickname_groups(value) if value else None for value in first],
        index=frame.index,
        dtype=object,
    )
    frame[BIRTH_DATE] = pd.to_datetime(born, format="%Y%m%d", errors="coerce")
    return frame


def _phonetic(names: pd.Series) -> pd.Series:
    # The first word only: "mary ann" and "mary" block together.
    words = names.str.split(" ").str[0]
    codes: pd.Series = phonetic(words, PHONETIC_METHOD)
    return codes.mask(codes == "")
