"""What a shopper keeps while browsing: favourites (收藏) and the products viewed (足迹)."""
