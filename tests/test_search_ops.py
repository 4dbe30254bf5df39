"""The search cells' shared pieces (spaces/ops.py, spaces/channels_last.py) against their plain forms."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from spaces.channels_last import cat_channels, channel_shuffle
from spaces.ops import RunningSum, avg_pool_3x3, scaled_batch_norm, search_batch_norm

DTYPE = torch.float64
CHANNELS_LAST = torch.channels_last


def test_scaled_batch_norm_equals_scaling_the_normalised_output():
    """Folding the op weight into BN's weight must not change values or gradients, in the layouts the
    kernels use (an expanded weight broke torch 2.13's CPU backward for channels_last and 1x1 maps)."""
    g = torch.Generator().manual_seed(19)
    for shape in ((3, 4, 4, 4), (8, 4, 1, 1), (2, 16, 8, 8)):
        x = torch.randn(shape, generator=g, dtype=DTYPE).contiguous(memory_format=CHANNELS_LAST).requires_grad_()
        upstream = torch.randn(shape, generator=g, dtype=DTYPE).contiguous(memory_format=CHANNELS_LAST)
        scale = torch.rand(3, generator=g, dtype=DTYPE).requires_grad_()
        ours = torch.autograd.grad(scaled_batch_norm(x, scale[1]), (x, scale), upstream)
        theirs = torch.autograd.grad(scale[1] * search_batch_norm(x), (x, scale), upstream)
        for a, b in zip(ours, theirs):
            torch.testing.assert_close(a, b)


def test_running_sum_equals_the_plain_sum_and_keeps_shared_terms_intact():
    g = torch.Generator().manual_seed(3)
    shared = torch.randn(2, 3, 4, 4, generator=g, dtype=DTYPE, requires_grad=True)
    private = [torch.randn(2, 3, 4, 4, generator=g, dtype=DTYPE, requires_grad=True) for _ in range(2)]
    coefs = torch.rand(3, generator=g, dtype=DTYPE, requires_grad=True)
    before = shared.detach().clone()

    def ours():
        total = RunningSum()
        total.add(private[0] * 1.0, None, private=True)  # a fresh tensor the sum may take over
        total.add(shared, coefs[0], private=False)
        total.add(private[1], coefs[1], private=False)
        total.add(shared, None, private=False)
        return total.value

    def theirs():
        return private[0] + coefs[0] * shared + coefs[1] * private[1] + shared

    upstream = torch.randn(2, 3, 4, 4, generator=g, dtype=DTYPE)
    leaves = (shared, *private, coefs)
    for a, b in zip(torch.autograd.grad(ours(), leaves, upstream), torch.autograd.grad(theirs(), leaves, upstream)):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(shared.detach(), before, rtol=0, atol=0)


def test_channel_shuffle_and_cat_keep_channels_last_and_match_the_plain_forms():
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 8, 3, 3, generator=g, dtype=DTYPE).contiguous(memory_format=CHANNELS_LAST).requires_grad_()
    shuffled = channel_shuffle(x, 4)
    plain = x.view(2, 4, 2, 3, 3).transpose(1, 2).reshape(2, 8, 3, 3)  # PC-DARTS model_search.py's form
    torch.testing.assert_close(shuffled, plain, rtol=0, atol=0)
    assert shuffled.is_contiguous(memory_format=CHANNELS_LAST)
    parts = [x[:, :3].contiguous(memory_format=CHANNELS_LAST), x[:, 3:].contiguous(memory_format=CHANNELS_LAST)]
    joined = cat_channels(parts)
    torch.testing.assert_close(joined, x, rtol=0, atol=0)
    grads = torch.autograd.grad(joined, parts, torch.ones_like(joined))
    assert all(grad.is_contiguous(memory_format=CHANNELS_LAST) for grad in grads)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("shape", [(2, 3, 7, 5), (2, 16, 8, 8), (3, 4, 2, 3), (2, 4, 1, 1)])
def test_avg_pool_as_depthwise_convolution_equals_torch_average_pooling(shape, stride):
    """Values and input gradient against F.avg_pool2d(count_include_pad=False), odd sizes and 1x1 maps
    included (the border windows hold 4 or 6 pixels, a 1x1 map's only window 1)."""
    g = torch.Generator().manual_seed(23)
    for layout in (torch.contiguous_format, CHANNELS_LAST):
        x = torch.randn(shape, generator=g, dtype=DTYPE).contiguous(memory_format=layout).requires_grad_()
        ours, theirs = avg_pool_3x3(x, stride), F.avg_pool2d(x, 3, stride, padding=1, count_include_pad=False)
        torch.testing.assert_close(ours, theirs)
        upstream = torch.randn(theirs.shape, generator=g, dtype=DTYPE)
        torch.testing.assert_close(torch.autograd.grad(ours, x, upstream)[0], torch.autograd.grad(theirs, x, upstream)[0])
    assert ours.is_contiguous(memory_format=CHANNELS_LAST)


def test_avg_pool_keeps_bf16_under_autocast():
    """The window sizes follow the convolution's dtype, so a bf16 map is not promoted to fp32."""
    x = torch.randn(2, 8, 6, 6, generator=torch.Generator().manual_seed(29))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        pooled = avg_pool_3x3(x)
    assert pooled.dtype == torch.bfloat16
    torch.testing.assert_close(pooled.float(), F.avg_pool2d(x, 3, 1, padding=1, count_include_pad=False),
                               rtol=2e-2, atol=2e-2)
