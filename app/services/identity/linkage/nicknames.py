"""Given names and the short forms people use for them (Robert, Bob, Rob, Bobby).

Two first names are nicknames of each other when they share a group. A short form may belong
to several groups (Alex: Alexander and Alexandra; Bert: Albert, Herbert, Robert), so a name
maps to the set of its groups, and the scorer asks whether two sets meet.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: One line a group: the full name first, then its short forms.
_GROUPS = """
abigail abby abbie gail
abraham abe bram
albert al bert bertie
alexander alex alec alexis sandy xander lex
alexandra alex alexa sandra sandy lexie
alfred alf alfie fred
andrew andy drew
angela angie
anthony tony ant
arthur art artie
barbara barb babs barbie
benjamin ben benny benji
bernard bernie
beverly bev
bradley brad
calvin cal
catherine cathy cat kate katie kathy
charles charlie chuck chas chaz
charlotte lottie charlie
christina chris tina christy
christine chris tina chrissy
christopher chris kit topher
clifford cliff
cynthia cindy
daniel dan danny
david dave davey
deborah debbie deb debra
dennis denny
donald don donnie
dorothy dot dottie dolly
douglas doug
edward ed eddie ted ned teddy
eleanor ellie nora nell
elizabeth liz beth betty lizzie eliza libby bess bessie elsie
emily em emmy
frances fran fanny frankie
francis frank frankie fran
frederick fred freddie rick
gabriel gabe
gabrielle gabby elle
geoffrey geoff jeff
gerald gerry jerry
gregory greg
harold harry hal
henry harry hank hal
herbert herb bert
isabella bella izzy isabel
jacob jake jay
james jim jimmy jamie jimbo
jane janie jenny
janet jan
jennifer jen jenny jenn
jessica jess jessie
john jack johnny jon
jonathan jon jonny nathan
joseph joe joey jo
josephine jo josie
joshua josh
judith judy jude
katherine kate kathy katie kat kit kay
kathleen kathy kate
kenneth ken kenny
lawrence larry laurie
leonard leo len lenny
louis lou louie
lucinda lucy cindy
margaret maggie meg peggy marge madge greta daisy
martin marty
matthew matt matty
michael mike mikey mick mickey
michelle shelly
nancy nan
natalie nat
nathaniel nate nat nathan
nicholas nick nicky
nicole nicky nikki
oliver ollie
pamela pam
patricia pat patty trish tricia
patrick pat paddy
peter pete
philip phil pip
rebecca becky becca
richard rick dick rich ricky richie
robert bob rob bobby robbie bert
ronald ron ronnie
rosemary rose rosie
samantha sam sammy
samuel sam sammy
sarah sally sadie
stephanie steph stevie
stephen steve stevie
steven steve stevie
susan sue susie suzy
theodore ted teddy theo
thomas tom tommy
timothy tim timmy
valerie val
victoria vicky tori
vincent vince vinny
walter walt wally
william bill will billy willy liam
zachary zach zack
"""


def _groups() -> Mapping[str, frozenset[int]]:
    found: dict[str, set[int]] = {}
    for number, line in enumerate(_GROUPS.strip().splitlines()):
        for name in line.split():
            found.setdefault(name, set()).add(number)
    return MappingProxyType({name: frozenset(groups) for name, groups in found.items()})


GROUPS = _groups()


def nickname_groups(first_name: str) -> frozenset[int]:
    """The groups of a cleaned first name's first word (empty when it has none)."""
    first_word = first_name.split(" ", 1)[0]
    return GROUPS.get(first_word, frozenset())


def are_nicknames(a: frozenset[int], b: frozenset[int]) -> bool:
    return not a.isdisjoint(b)
