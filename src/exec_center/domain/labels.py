"""Enums whose members carry a zh-CN label for people (the identifier stays for code)."""

from __future__ import annotations

from enum import Enum


class LabelledEnum(str, Enum):
    """`MEMBER = "MEMBER", "中文标签"`: the value is the identifier, `.label` the zh-CN label."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value
