"""taeda.vision: datasets, transforms and image utilities on taeda.tensor and taeda.data, with Pillow.

Example:
    >>> from taeda.vision import datasets, transforms
    >>> ds = datasets.SyntheticDigits(16, seed=0, transform=transforms.ToTensor())
    >>> image, label = ds[0]
    >>> tuple(image.shape)
    (1, 28, 28)
"""

from taeda.vision import datasets, io, transforms, utils
from taeda.vision.__about__ import __version__

__all__ = ["__version__", "datasets", "io", "transforms", "utils"]
