"""``taeda.nn.functional``: every layer and loss of ``taeda.nn`` as a function (PyTorch's names and signatures).

Example::

    >>> import taeda.nn.functional as F
    >>> loss = F.cross_entropy(F.linear(F.relu(x), w, b), labels)
"""

from taeda.nn.functional._activation import (
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from taeda.nn.functional._attention import multi_head_attention_forward, scaled_dot_product_attention
from taeda.nn.functional._ctc import ctc_loss
from taeda.nn.functional._distance import cosine_similarity, normalize, one_hot, pairwise_distance
from taeda.nn.functional._dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from taeda.nn.functional._embedding import embedding, embedding_bag
from taeda.nn.functional._linear import bilinear, linear
from taeda.nn.functional._loss import (
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from taeda.nn.functional._loss_binary import binary_cross_entropy, binary_cross_entropy_with_logits

__all__ = [
    "alpha_dropout",
    "bilinear",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "cosine_embedding_loss",
    "cosine_similarity",
    "cross_entropy",
    "ctc_loss",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "elu",
    "embedding",
    "embedding_bag",
    "feature_alpha_dropout",
    "gaussian_nll_loss",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "margin_ranking_loss",
    "mish",
    "mse_loss",
    "multi_head_attention_forward",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pairwise_distance",
    "poisson_nll_loss",
    "prelu",
    "relu",
    "relu6",
    "scaled_dot_product_attention",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "soft_margin_loss",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "triplet_margin_loss",
]

# NN-KERNELS: re-exports of convolution, pooling, normalisation, upsampling, padding, fold and grid_sample go in
# one block below this line.
# ---- begin NN-KERNELS block ----
from taeda.nn.functional._conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d
from taeda.nn.functional._fold import fold, unfold
from taeda.nn.functional._grid_sample import affine_grid, grid_sample
from taeda.nn.functional._kern_runtime import clear_buffer_pool, set_kernel_threads
from taeda.nn.functional._normalization import batch_norm, group_norm, instance_norm, layer_norm
from taeda.nn.functional._padding import pad
from taeda.nn.functional._pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_unpool1d,
    max_unpool2d,
)
from taeda.nn.functional._upsampling import interpolate, upsample, upsample_bilinear, upsample_nearest

__all__ += [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "affine_grid",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "clear_buffer_pool",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "fold",
    "grid_sample",
    "group_norm",
    "instance_norm",
    "interpolate",
    "layer_norm",
    "max_pool1d",
    "max_pool2d",
    "max_unpool1d",
    "max_unpool2d",
    "pad",
    "set_kernel_threads",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]
# ---- end NN-KERNELS block ----

# ---- begin extraA block: shuffles, rms/local-response norm, lp pooling, gumbel_softmax, pdist, in-place acts ----
from taeda.nn.functional._gumbel import gumbel_softmax  # noqa: E402
from taeda.nn.functional._inplace_act import celu_, elu_, hardtanh_, leaky_relu_, relu_, selu_, threshold_  # noqa: E402
from taeda.nn.functional._lppool import lp_pool1d, lp_pool2d  # noqa: E402
from taeda.nn.functional._pdist import pdist  # noqa: E402
from taeda.nn.functional._rmsnorm import local_response_norm, rms_norm  # noqa: E402
from taeda.nn.functional._shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: E402

__all__ += [
    "celu_",
    "channel_shuffle",
    "elu_",
    "gumbel_softmax",
    "hardtanh_",
    "leaky_relu_",
    "local_response_norm",
    "lp_pool1d",
    "lp_pool2d",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "relu_",
    "rms_norm",
    "selu_",
    "threshold_",
]
# ---- end extraA block ----

# ---- begin extraB block: 3-D pooling, conv_transpose3d, rrelu, margin losses ----
from taeda.nn.functional._conv3d_t import conv_transpose3d  # noqa: E402
from taeda.nn.functional._margin_loss import (  # noqa: E402
    multi_margin_loss,
    multilabel_margin_loss,
    triplet_margin_with_distance_loss,
)
from taeda.nn.functional._pool3d import (  # noqa: E402
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    avg_pool3d,
    max_pool3d,
    max_unpool3d,
)
from taeda.nn.functional._rrelu import rrelu, rrelu_  # noqa: E402

__all__ += [
    "adaptive_avg_pool3d",
    "adaptive_max_pool3d",
    "avg_pool3d",
    "conv_transpose3d",
    "max_pool3d",
    "max_unpool3d",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "rrelu",
    "rrelu_",
    "triplet_margin_with_distance_loss",
]
# ---- end extraB block ----

# ---- begin modx block: *_with_indices pooling aliases, lp_pool3d ----
from taeda.nn.functional._lppool3d import lp_pool3d  # noqa: E402
from taeda.nn.functional._with_indices import (  # noqa: E402
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_pool3d_with_indices,
)

__all__ += [
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "lp_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
]
# ---- end modx block ----
