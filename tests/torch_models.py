"""PyTorch twins of ganlite's architectures with the same parameter names (pytorch-CycleGAN-and-
pix2pix's ResnetGenerator, NLayerDiscriminator and UnetGenerator, gan-compression's
MobileResnetGenerator, the DCGAN tutorial's Generator and Discriminator, our SNGAN generator).
Used by tests/make_model_refs.py (reference checkpoints) and benchmarks/peers/ (the PyTorch side
of `ganlite bench` comparisons)."""
import torch
import torch.nn as nn

class ResnetBlock(nn.Module):
    def __init__(self, dim, norm, bias):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def resnet_generator(in_nc, out_nc, ngf, n_blocks):
    norm, bias = nn.InstanceNorm2d, True
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_nc, ngf, 7, bias=bias), norm(ngf), nn.ReLU(True)]
    for i in range(2):
        m = 2 ** i
        layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1, bias=bias),
                   norm(ngf * m * 2), nn.ReLU(True)]
    layers += [ResnetBlock(ngf * 4, norm, bias) for _ in range(n_blocks)]
    for i in range(2):
        m = 2 ** (2 - i)
        layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1,
                                      output_padding=1, bias=bias),
                   norm(ngf * m // 2), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_nc, 7), nn.Tanh()]
    net = nn.Module()
    net.model = nn.Sequential(*layers)
    net.forward = lambda x: net.model(x)
    return net


def patchgan(in_nc, ndf, n_layers):
    norm, bias = nn.BatchNorm2d, False
    layers = [nn.Conv2d(in_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    mult = 1
    for n in range(1, n_layers + 1):
        prev, mult = mult, min(2 ** n, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2 if n < n_layers else 1, 1, bias=bias),
                   norm(ndf * mult), nn.LeakyReLU(0.2, True)]
    layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
    net = nn.Module()
    net.model = nn.Sequential(*layers)
    net.forward = lambda x: net.model(x)
    return net


class UnetBlock(nn.Module):
    """One U-Net level; every level but the outermost returns cat([x, model(x)], 1)."""

    def __init__(self, outer, inner, input_nc=None, sub=None, kind="middle"):
        super().__init__()
        self.outermost = kind == "outermost"
        input_nc = input_nc or outer
        down = nn.Conv2d(input_nc, inner, 4, 2, 1, bias=False)
        if kind == "outermost":
            layers = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1),
                      nn.Tanh()]
        elif kind == "innermost":
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, nn.BatchNorm2d(inner), sub, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=False),
                      nn.BatchNorm2d(outer)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def unet_generator(in_nc, out_nc, num_downs, ngf):
    block = UnetBlock(ngf * 8, ngf * 8, kind="innermost")
    for _ in range(num_downs - 5):
        block = UnetBlock(ngf * 8, ngf * 8, sub=block)
    for mult in (4, 2, 1):
        block = UnetBlock(ngf * mult, ngf * mult * 2, sub=block)
    net = nn.Module()
    net.model = UnetBlock(out_nc, ngf, in_nc, block, kind="outermost")
    net.forward = lambda x: net.model(x)
    return net


class SeparableConv(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(dim, dim, 3, groups=dim), nn.InstanceNorm2d(dim),
                                  nn.Conv2d(dim, dim, 1))

    def forward(self, x):
        return self.conv(x)


class MobileResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), SeparableConv(dim), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.Dropout(0.0), nn.ReflectionPad2d(1), SeparableConv(dim), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def mobile_resnet_generator(in_nc, out_nc, ngf, n_blocks):
    net = resnet_generator(in_nc, out_nc, ngf, n_blocks)
    for i in range(n_blocks):  # the residual blocks sit after the 10 stem and downsampling layers
        net.model[10 + i] = MobileResnetBlock(ngf * 4)
    return net


def dcgan_generator(nz, ngf, nc, image_size):
    mult = image_size // 8
    layers = [nn.ConvTranspose2d(nz, ngf * mult, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * mult),
              nn.ReLU(True)]
    while mult > 1:
        layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(ngf * mult // 2), nn.ReLU(True)]
        mult //= 2
    layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
    net = nn.Module()
    net.main = nn.Sequential(*layers)
    net.forward = lambda x: net.main(x)
    return net


def dcgan_discriminator(nc, ndf, image_size):
    layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    mult = 1
    while mult < image_size // 8:
        layers += [nn.Conv2d(ndf * mult, ndf * mult * 2, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(ndf * mult * 2), nn.LeakyReLU(0.2, True)]
        mult *= 2
    layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 0, bias=False)]  # logits: no Sigmoid
    net = nn.Module()
    net.main = nn.Sequential(*layers)
    net.forward = lambda x: net.main(x)
    return net


# ---- SNGAN generator (gan/models/sngan.h), written from its description: conditional BN is BN without
# affine followed by per-class gamma, beta from one embedding (gamma in the first C columns); the
# up block is CBN -> ReLU -> nearest x2 -> conv3x3 -> CBN -> ReLU -> conv3x3 plus the shortcut
# nearest x2 -> conv1x1.
class CondBatchNorm(nn.Module):
    def __init__(self, channels, num_classes):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.embed = nn.Embedding(num_classes, 2 * channels)

    def forward(self, x, y):
        gamma, beta = self.embed(y).chunk(2, dim=1)
        return self.bn(x) * gamma[:, :, None, None] + beta[:, :, None, None]


class SnganUpBlock(nn.Module):
    def __init__(self, cin, cout, num_classes):
        super().__init__()
        self.b1 = CondBatchNorm(cin, num_classes)
        self.c1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.b2 = CondBatchNorm(cout, num_classes)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.c_sc = nn.Conv2d(cin, cout, 1)

    def forward(self, x, y):
        up = lambda t: nn.functional.interpolate(t, scale_factor=2, mode="nearest")
        h = self.c1(up(torch.relu(self.b1(x, y))))
        h = self.c2(torch.relu(self.b2(h, y)))
        return h + self.c_sc(up(x))


class SnganGenerator(nn.Module):
    def __init__(self, z_dim, ch, out_nc, num_classes):
        super().__init__()
        self.ch = ch
        self.l1 = nn.Linear(z_dim, 16 * ch)
        self.block2 = SnganUpBlock(ch, ch, num_classes)
        self.block3 = SnganUpBlock(ch, ch, num_classes)
        self.block4 = SnganUpBlock(ch, ch, num_classes)
        self.b5 = nn.BatchNorm2d(ch)
        self.c5 = nn.Conv2d(ch, out_nc, 3, 1, 1)

    def forward(self, z, y):
        h = self.l1(z).view(z.shape[0], self.ch, 4, 4)
        for block in (self.block2, self.block3, self.block4):
            h = block(h, y)
        return torch.tanh(self.c5(torch.relu(self.b5(h))))
