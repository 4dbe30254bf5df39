"""Layer alignment of Lambda-DARTS (Movahedi et al., "Lambda-DARTS: Mitigating Performance
Collapse by Harmonizing Operation Selection among Cells", ICLR 2023).

With l_g = dL/dP_l, the gradient that cell l's copy of the op weights receives
(P is [cells, edges, ops]; every cell shares softmax(alpha), so dL/dalpha sums these):
    Lambda   = mean over pairs l < l' of  l_g . l'_g / (||l_g|| ||l'_g||)
    Lambda+- = mean over pairs l < l' of  l_g . l'_g / (|l_g| . |l'_g|)     (|.| elementwise)
`alignment_direction` gives the per-cell perturbation Delta the paper uses to estimate
grad_w Lambda by finite differences; its rows are C(L,2) * dLambda/dl_g (checked in the tests).

A pair whose denominator is 0 (a cell none of whose ops was computed, or, for Lambda+-,
two cells with disjoint gradient supports) has no defined cosine: it counts as 0 and
gets no direction, so sparse parameterizations do not turn the regulariser into NaN.

Cells are aligned within their cell type only (Lambda-DARTS A.9.2: normal and reduction cells
differ in their ops' role, and the regulariser goes on the normal cells): a "group" is the
cells of one type, and a space's alignment is the mean over its groups of two or more cells.
"""

from __future__ import annotations

import torch

from methods.components.losses import supernet_loss
from spaces.errors import ConfigError

VARIANTS = ("lambda", "lambda-pm")


def layer_alignment(layer_grads: torch.Tensor, variant: str = "lambda") -> torch.Tensor:
    """Lambda (or Lambda+-) of per-cell gradients [cells, ...]: a differentiable scalar tensor."""
    g = _per_cell(layer_grads)
    cosines, _, _ = _pair_cosines(g, variant)
    return cosines.triu(diagonal=1).sum() / _pair_count(g)


def alignment_direction(layer_grads: torch.Tensor, variant: str = "lambda") -> torch.Tensor:
    """Delta [cells, ...], Delta_l = sum over l' != l of delta^{l,l'}, where
        Lambda:   delta^{l,l'} = (I - l_g l_g^T / ||l_g||^2) l'_g / (||l_g|| ||l'_g||)
        Lambda+-: delta^{l,l'} = (I - c_{l,l'} diag(sign l_g) diag(sign l'_g)) l'_g / (|l_g| . |l'_g|),
                  c_{l,l'} = l_g . l'_g / (|l_g| . |l'_g|).
    Each delta^{l,l'} is the derivative of the pair's cosine with respect to l_g.
    """
    g = _per_cell(layer_grads)
    cosines, denominators, defined = _pair_cosines(g, variant)
    this, other = g[:, None, :], g[None, :, :]  # [l, l', :] broadcasts l_g and l'_g
    if variant == "lambda":
        norms_sq = (g * g).sum(1)
        safe_norms_sq = torch.where(norms_sq > 0, norms_sq, torch.ones_like(norms_sq))
        projection = (g @ g.T / safe_norms_sq[:, None])[:, :, None] * this  # (l_g l_g^T / ||l_g||^2) l'_g
    else:
        projection = cosines[:, :, None] * torch.sign(this) * torch.sign(other) * other
    deltas = (other - projection) / denominators[:, :, None]
    off_diagonal = ~torch.eye(len(g), dtype=torch.bool, device=g.device)
    deltas = torch.where((defined & off_diagonal)[:, :, None], deltas, torch.zeros_like(deltas))
    return deltas.sum(1).reshape(layer_grads.shape)


CELL_SETS = ("all", "normal")  # which cells are aligned: every cell, or the non-reduction cells


def type_groups(decisions, cells: str = "all") -> dict[str, list[int]]:
    """{type name: its cells} for each cell type with at least two cells (of the non-reduction types only,
    for cells="normal"). A space where no two chosen cells share a type (Amended-DARTS' S_2: every cell
    its own) aligns the chosen cells with each other, as one group "all" (harness choice: Lambda is the
    alignment of the layers' gradients, and there every layer has weights of the same shape)."""
    chosen = [t for t, cell_type in enumerate(decisions.cell_types)
              if cells == "all" or not cell_type.reduction]
    groups = {decisions.cell_types[t].name: decisions.cells_of_type(t) for t in chosen
              if len(decisions.cells_of_type(t)) >= 2}
    if groups:
        return groups
    every = sorted(cell for t in chosen for cell in decisions.cells_of_type(t))
    return {"all": every} if len(every) >= 2 else {}


def grouped_alignment(layer_grads: torch.Tensor, groups: list[list[int]], variant: str = "lambda") -> torch.Tensor:
    """The mean over the groups of each group's Lambda (or Lambda+-)."""
    if len(groups) == 1 and len(groups[0]) == layer_grads.shape[0]:
        return layer_alignment(layer_grads, variant)
    values = [layer_alignment(layer_grads[cells], variant) for cells in groups]
    return torch.stack(values).mean()


def grouped_direction(layer_grads: torch.Tensor, groups: list[list[int]], variant: str = "lambda"):
    """(D [cells, ...], pairs): D / pairs is the sum over the groups of dLambda_group / dl_g, zero on
    cells of no group. One group: D is that group's Delta and pairs C(L, 2), the paper's form (Eq. 13)
    exactly; several: D carries each group's 1 / C(L_t, 2) itself and pairs is 1."""
    direction = torch.zeros_like(layer_grads)
    if len(groups) == 1:
        cells = groups[0]
        direction[cells] = alignment_direction(layer_grads[cells], variant)
        return direction, len(cells) * (len(cells) - 1) // 2
    for cells in groups:
        direction[cells] = alignment_direction(layer_grads[cells], variant) / (len(cells) * (len(cells) - 1) // 2)
    return direction, 1


def alignment_on_batch(method, batch, progress, variant: str = "lambda") -> dict[str, float]:
    """Lambda of the method's current supernet on one batch (the per-epoch diagnostic of
    Lambda-DARTS Figure 1, for any method).

    It uses the method's deterministic eval weights, so it draws no samples from the
    method's generator; the network runs in training mode (batch statistics, as the search
    sees it) on copies of its buffers, so BatchNorm running statistics are untouched and the
    run continues exactly as without the diagnostic. `progress` is accepted so the runner can
    call every diagnostic alike; these weights do not depend on it.

    {"layer_alignment": the mean over the cell types of two or more cells}, plus for several
    such types {"layer_alignment_by_type": {type: value}}; {} when no type has two cells.
    """
    groups = type_groups(method.decisions)
    if not groups:
        return {}
    cell_groups = list(groups.values())
    net = method.net
    arch = method.eval_weights()
    weights = arch.ops.detach().clone().requires_grad_()
    buffers = {name: b.clone() for name, b in net.named_buffers()}
    was_training = net.training
    net.train()
    try:
        with torch.enable_grad():
            loss, _ = supernet_loss(net, batch, arch.with_ops(weights), params=buffers)
            (layer_grads,) = torch.autograd.grad(loss, weights)
    finally:
        net.train(was_training)
    result = {"layer_alignment": float(grouped_alignment(layer_grads, cell_groups, variant))}
    if len(groups) > 1:
        result["layer_alignment_by_type"] = {name: float(layer_alignment(layer_grads[cells], variant))
                                             for name, cells in groups.items()}
    return result


def check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise ConfigError(f"unknown layer alignment {variant!r}; available: {', '.join(VARIANTS)}")
    return variant


def _per_cell(layer_grads: torch.Tensor) -> torch.Tensor:
    if layer_grads.dim() < 2 or layer_grads.shape[0] < 2:
        raise ConfigError(f"layer alignment needs at least two cells, got gradients of shape "
                          f"{tuple(layer_grads.shape)}")
    return layer_grads.reshape(layer_grads.shape[0], -1)


def _pair_count(g: torch.Tensor) -> int:
    cells = g.shape[0]
    return cells * (cells - 1) // 2


def _pair_cosines(g: torch.Tensor, variant: str):
    """(cosines [l, l'] with 0 where undefined, denominators with 1 there, bool mask of defined pairs)."""
    check_variant(variant)
    if variant == "lambda":
        norms = g.norm(dim=1)
        denominators = norms[:, None] * norms[None, :]
    else:
        magnitudes = g.abs()
        denominators = magnitudes @ magnitudes.T
    defined = denominators > 0
    safe = torch.where(defined, denominators, torch.ones_like(denominators))
    cosines = torch.where(defined, (g @ g.T) / safe, torch.zeros_like(safe))
    return cosines, safe, defined
