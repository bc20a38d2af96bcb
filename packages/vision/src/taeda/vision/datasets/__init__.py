"""Vision datasets in torchvision's layout: MNIST family, CIFAR, image folders, fake and synthetic data."""

from taeda.vision.datasets import utils
from taeda.vision.datasets.cifar import CIFAR10, CIFAR100
from taeda.vision.datasets.fakedata import FakeData
from taeda.vision.datasets.folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, pil_loader
from taeda.vision.datasets.mnist import EMNIST, KMNIST, MNIST, QMNIST, FashionMNIST
from taeda.vision.datasets.synthetic import SyntheticDigits
from taeda.vision.datasets.vision import VisionDataset

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "EMNIST",
    "IMG_EXTENSIONS",
    "KMNIST",
    "MNIST",
    "QMNIST",
    "DatasetFolder",
    "FakeData",
    "FashionMNIST",
    "ImageFolder",
    "SyntheticDigits",
    "VisionDataset",
    "default_loader",
    "pil_loader",
    "utils",
]
