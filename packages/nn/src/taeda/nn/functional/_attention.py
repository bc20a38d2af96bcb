"""Attention: ``scaled_dot_product_attention`` and the functional core of ``MultiheadAttention``."""

from __future__ import annotations

import math
from typing import Any, cast

import taeda.tensor as tt
from taeda.autograd import Variable
from taeda.nn.functional._dropout import _check_p, keep_mask
from taeda.nn.functional._kern_attention import Attention, composed_attention, kernel_applies
from taeda.nn.functional._linear import linear
from taeda.nn.functional._util import TensorLike, as_var, data_of
from taeda.tensor import Tensor

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


def _mask_to_additive(mask: TensorLike | None, dtype: object, like: Tensor) -> TensorLike | None:
    """Boolean masks (True = may attend) become 0 / -inf; float masks are used as they are (one that requires grad
    stays a Variable: a learnt additive bias gets its gradient, as in PyTorch)."""
    if mask is None:
        return None
    if _learnt(mask):
        return mask
    m = data_of(mask)
    if m.dtype.kind == "b":
        xp = m.device.xp
        return tt.as_tensor(xp.where(m.array, 0.0, -xp.inf).astype(like.dtype))
    return m


def _repeat_heads(x: Variable, rep: int) -> Variable:
    """(..., H, L, E) -> (..., H * rep, L, E), each head repeated ``rep`` times in place (grouped-query attention)."""
    shape = tuple(x.shape)
    out: Variable = (
        x.unsqueeze(-3).expand(*shape[:-2], rep, *shape[-2:]).reshape(*shape[:-3], shape[-3] * rep, *shape[-2:])
    )
    return out


def scaled_dot_product_attention(
    query: TensorLike,
    key: TensorLike,
    value: TensorLike,
    attn_mask: TensorLike | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Variable:
    """softmax(Q Kᵀ · scale + mask) V over the last two dimensions (``scale`` defaults to 1/sqrt(E)).

    ``attn_mask`` is boolean (True takes part in attention) or additive floats; ``is_causal`` masks the upper
    triangle. Example::

        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (N, H, L, E) -> (N, H, L, Ev)
    """
    q, k, v = as_var(query), as_var(key), as_var(value)
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        rep = q.shape[-3] // k.shape[-3]
        k = _repeat_heads(k, rep)
        v = _repeat_heads(v, rep)
    e = q.shape[-1]
    s = (1.0 / math.sqrt(e) if e else 1.0) if scale is None else scale  # E = 0: all scores 0 (PyTorch: uniform)
    qd = data_of(q)
    add = _mask_to_additive(attn_mask, None, qd)
    lq, lk = q.shape[-2], k.shape[-2]
    if is_causal:
        add = _causal(lq, lk, qd)
    keep = None
    if dropout_p > 0.0:
        _check_p(dropout_p)
        batch = tt.broadcast_shapes(tuple(q.shape[:-2]), tuple(k.shape[:-2]))
        keep = keep_mask(qd, (*batch, lq, lk), dropout_p, scale=True)
    if kernel_applies(q, k, v, add):
        out: Variable = Attention.apply(q, k, v, add, s, keep)
        return out
    return composed_attention(q, k, v, add, s, keep)[0]


def _causal(lq: int, lk: int, like: Tensor) -> Tensor:
    """The additive causal mask (0 on and below the diagonal, -inf above) in ``like``'s dtype and device."""
    xp = like.device.xp
    return tt.as_tensor(xp.where(xp.tril(xp.ones((lq, lk), dtype=bool)), 0.0, -xp.inf).astype(like.dtype))


def multi_head_attention_forward(
    query: TensorLike,
    key: TensorLike,
    value: TensorLike,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: TensorLike | None,
    in_proj_bias: TensorLike | None,
    bias_k: TensorLike | None,
    bias_v: TensorLike | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: TensorLike,
    out_proj_bias: TensorLike | None,
    training: bool = True,
    key_padding_mask: TensorLike | None = None,
    need_weights: bool = True,
    attn_mask: TensorLike | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: TensorLike | None = None,
    k_proj_weight: TensorLike | None = None,
    v_proj_weight: TensorLike | None = None,
    static_k: TensorLike | None = None,
    static_v: TensorLike | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Variable, Variable | None]:
    """Multi-head attention on sequence-first inputs ``(L, N, E)`` (or unbatched ``(L, E)``), returning
    ``(output, weights)``; weights are averaged over heads when ``average_attn_weights``.

    Example::

        >>> out, w = F.multi_head_attention_forward(q, k, v, 8, 2, w_in, b_in, None, None, False, 0.0, w_o, b_o)
    """
    unbatched = not _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    for mask, name in ((key_padding_mask, "key_padding_mask"), (attn_mask, "attn_mask")):
        if mask is not None and data_of(mask).dtype.kind not in "bf":
            raise AssertionError(f"only bool and floating types of {name} are supported")
    q_in, k_in, v_in = as_var(query), as_var(key), as_var(value)
    if unbatched:
        q_in, k_in, v_in = q_in.unsqueeze(1), k_in.unsqueeze(1), v_in.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = q_in.shape
    src_len = k_in.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight and tuple(k_in.shape[:2]) != tuple(v_in.shape[:2]):
        raise AssertionError(
            f"key's sequence and batch dims {_size(k_in.shape[:2])} do not match value's {_size(v_in.shape[:2])}"
        )
    if not use_separate_proj_weight and tuple(k_in.shape) != tuple(v_in.shape):
        raise AssertionError(f"key shape {_size(k_in.shape)} does not match value shape {_size(v_in.shape)}")
    if attn_mask is not None:
        want = (tgt_len, src_len) if attn_mask.ndim == 2 else (bsz * num_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != want:
            raise RuntimeError(
                f"The shape of the {attn_mask.ndim}D attn_mask is {_size(attn_mask.shape)}, but should be {want}."
            )
    # projections
    if not use_separate_proj_weight:
        assert in_proj_weight is not None
        w = as_var(in_proj_weight)
        b = None if in_proj_bias is None else as_var(in_proj_bias)
        wq, wk, wv = w[:embed_dim], w[embed_dim : 2 * embed_dim], w[2 * embed_dim :]
    else:
        assert q_proj_weight is not None and k_proj_weight is not None and v_proj_weight is not None
        wq, wk, wv = as_var(q_proj_weight), as_var(k_proj_weight), as_var(v_proj_weight)
        b = None if in_proj_bias is None else as_var(in_proj_bias)
    bq = bk = bv = None
    if b is not None:
        bq, bk, bv = b[:embed_dim], b[embed_dim : 2 * embed_dim], b[2 * embed_dim :]
    q = linear(q_in, wq, bq)
    k = linear(k_in, wk, bk)
    v = linear(v_in, wv, bv)
    add_mask = None if attn_mask is None else _mask_to_additive(_invert_bool(attn_mask), None, data_of(q))
    if add_mask is not None and add_mask.ndim == 2:
        add_mask = add_mask.unsqueeze(0)
    kpm = None if key_padding_mask is None else _mask_to_additive(_invert_bool(key_padding_mask), None, data_of(q))
    if (bias_k is None) != (bias_v is None):
        raise AssertionError(
            "bias_k is set but bias_v is None" if bias_v is None else "bias_v is set but bias_k is None"
        )
    if bias_k is not None and (static_k is not None or static_v is not None):
        raise AssertionError(f"bias cannot be added to static {'key' if static_k is not None else 'value'}.")
    if bias_k is not None and bias_v is not None:
        k = _cat([k, as_var(bias_k).reshape(1, 1, embed_dim).expand(1, bsz, embed_dim)], 0)
        v = _cat([v, as_var(bias_v).reshape(1, 1, embed_dim).expand(1, bsz, embed_dim)], 0)
        if add_mask is not None:
            add_mask = tt.cat([add_mask, tt.zeros(*add_mask.shape[:-1], 1, dtype=add_mask.dtype)], -1)
        if kpm is not None:
            kpm = tt.cat([kpm, tt.zeros(kpm.shape[0], 1, dtype=kpm.dtype)], -1)
    # (L, N, E) -> (N, H, L, D)
    q = q.reshape(tgt_len, bsz, num_heads, head_dim).permute(1, 2, 0, 3)
    k = (
        k.reshape(k.shape[0], bsz, num_heads, head_dim).permute(1, 2, 0, 3)
        if static_k is None
        else _static(static_k, "k", bsz, num_heads, head_dim)
    )
    v = (
        v.reshape(v.shape[0], bsz, num_heads, head_dim).permute(1, 2, 0, 3)
        if static_v is None
        else _static(static_v, "v", bsz, num_heads, head_dim)
    )
    if add_zero_attn:
        zk = tt.zeros(bsz, num_heads, 1, head_dim, dtype=q.dtype)
        k = _cat([k, zk], 2)
        v = _cat([v, zk], 2)
        if add_mask is not None:
            add_mask = tt.cat([add_mask, tt.zeros(*add_mask.shape[:-1], 1, dtype=add_mask.dtype)], -1)
        if kpm is not None:
            kpm = tt.cat([kpm, tt.zeros(kpm.shape[0], 1, dtype=kpm.dtype)], -1)
    src_len = k.shape[2]
    if kpm is not None:
        for i, n in enumerate((bsz, src_len)):
            if kpm.shape[i] != n:
                raise AssertionError(f"Expected key_padded_mask.shape[{i}] to be {n}, but got {kpm.shape[i]}")
    qd = data_of(q)
    if is_causal and add_mask is None:
        add_mask = _causal(tgt_len, src_len, qd).unsqueeze(0)
    if add_mask is not None and add_mask.ndim == 3 and add_mask.shape[0] == bsz * num_heads:
        add_mask = add_mask.reshape(bsz, num_heads, tgt_len, src_len)
    if kpm is not None:
        kpm = kpm.reshape(bsz, 1, 1, src_len)
        add_mask = kpm if add_mask is None else add_mask + kpm
    keep = None
    if training and dropout_p > 0.0:
        keep = keep_mask(qd, (bsz, num_heads, tgt_len, src_len), dropout_p, scale=True)
    scale = 1.0 / math.sqrt(head_dim)
    attn: Variable | None = None
    if not need_weights and kernel_applies(q, k, v, add_mask):
        out = Attention.apply(q, k, v, add_mask, scale, keep)  # (N, H, L, D)
    else:  # PyTorch: with need_weights its plain softmax (NaN rows where every key is masked), else SDPA's
        out, attn = composed_attention(q, k, v, add_mask, scale, keep, safe=not need_weights)
    out = out.permute(2, 0, 1, 3).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    weights: Variable | None = None
    if need_weights:
        assert attn is not None
        weights = attn.mean(1) if average_attn_weights else attn
        if unbatched:
            weights = weights.squeeze(0)
    if unbatched:
        out = out.squeeze(1)
    return out, weights


def _static(t: TensorLike, name: str, bsz: int, num_heads: int, head_dim: int) -> Variable:
    """A precomputed ``(N * H, S, D)`` key or value (``static_k``, ``static_v``) as ``(N, H, S, D)``."""
    for i, n in ((0, bsz * num_heads), (2, head_dim)):
        if t.shape[i] != n:
            raise AssertionError(f"expecting static_{name}.size({i}) of {n}, but got {t.shape[i]}")
    out: Variable = as_var(t).reshape(bsz, num_heads, t.shape[1], head_dim)
    return out


def _size(shape: Any) -> str:
    return f"taeda.Size({list(shape)})"


def _mha_shape_check(
    query: TensorLike,
    key: TensorLike,
    value: TensorLike,
    key_padding_mask: TensorLike | None,
    attn_mask: TensorLike | None,
    num_heads: int,
) -> bool:
    """PyTorch's ranks of the inputs and masks; returns whether the input is batched."""
    if query.ndim not in (2, 3):
        raise AssertionError(
            f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor"
        )
    batched = query.ndim == 3
    what = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(
            f"For {what} `query`, expected `key` and `value` to be {query.ndim}-D but found {key.ndim}-D and "
            f"{value.ndim}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(
            f"For {what} `query`, expected `key_padding_mask` to be `None` or {query.ndim - 1}-D but found "
            f"{key_padding_mask.ndim}-D tensor instead"
        )
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise AssertionError(
                f"For {what} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found {attn_mask.ndim}-D "
                "tensor instead"
            )
        want = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != want:
            raise AssertionError(f"Expected `attn_mask` shape to be {want} but got {_size(attn_mask.shape)}")
    return batched


def _cat(parts: list[Any], dim: int) -> Variable:
    return cast(Variable, tt.cat(parts, dim))


def _invert_bool(mask: TensorLike) -> TensorLike:
    """key_padding_mask marks positions to ignore with True (or additive floats); turn booleans into 'may attend'."""
    if _learnt(mask):
        return mask
    m = data_of(mask)
    if m.dtype.kind == "b":
        return tt.as_tensor(~m.array)
    return m


def _learnt(mask: TensorLike) -> bool:
    """A float mask that requires grad (kept a Variable so the gradient reaches it)."""
    return isinstance(mask, Variable) and mask.requires_grad and data_of(mask).dtype.kind != "b"
